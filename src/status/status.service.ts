/**
 * Revocation status lists (Bitstring Status List v1.0): indexes handed out in each list's secret
 * shuffled order, never reused; the signed list credential re-made only when the list changed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { KeyStore } from '../crypto/key-store.js';
import { signDataIntegrity } from '../crypto/securing.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/types.js';
import { notFound } from '../errors.js';
import { VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { Urls } from '../urls.js';
import { MIN_LIST_BITS, encodeBitstring } from './bitstring.js';
import { SEED_BYTES, shuffledIndexes } from './shuffle.js';

export const REVOCATION = 'revocation';

/**
 * Indexes an instance allocates ahead for credentials issued one at a time, so that issuing one
 * costs no allocation query. They are allocated in the database like any other (never handed out
 * twice); the few an instance holds when it stops are never used, which the format allows.
 */
const RESERVE = 64;

/** Allocation rounds in a row that may take nothing (see allocate) before it gives up. */
const MAX_EMPTY_ROUNDS = 100;

/** The orders of the lists this instance allocates from (512 KiB each at the minimum size). */
const CACHED_ORDERS = 16;

export interface StatusSlot {
  listId: string;
  index: number;
}

export interface PublishedList {
  credential: Record<string, unknown>;
  etag: string;
}

export type StatusService = ReturnType<typeof createStatusService>;

export function createStatusService(deps: { db: Db; urls: Urls; keys: KeyStore; capacity?: number }) {
  const { db, urls, keys } = deps;
  const capacity = deps.capacity ?? MIN_LIST_BITS;
  const published = new Map<string, { version: number } & PublishedList>();
  const orders = new Map<string, Uint32Array>();

  /** A list's order, from the cache (least recently used out first) or computed (a few ms at 131,072). */
  function orderOf(listId: string, seed: Uint8Array, listCapacity: number): Uint32Array {
    const order = orders.get(listId) ?? shuffledIndexes(seed, listCapacity);
    orders.delete(listId);
    orders.set(listId, order);
    if (orders.size > CACHED_ORDERS) orders.delete(orders.keys().next().value!);
    return order;
  }

  /**
   * Moves the open list's counter on by up to `count` (one statement, which locks the list row:
   * concurrent allocations queue there), or opens a list when there is none. Returns the positions
   * taken.
   */
  async function takeFromOpenList(executor: Kysely<Database>, issuerId: string, count: number) {
    const { rows } = await sql<{ id: string; shuffle_seed: Uint8Array; capacity: number; start: number; end: number }>`
      with open as (
        select id, allocated from status_lists
        where issuer_id = ${issuerId} and purpose = ${REVOCATION} and not is_full
        for update)
      update status_lists s
      set allocated = least(s.allocated + ${count}::integer, s.capacity), is_full = s.allocated + ${count}::integer >= s.capacity
      from open where s.id = open.id
      returning s.id, s.shuffle_seed, s.capacity, open.allocated as start, s.allocated as end`.execute(executor);
    if (rows[0]) return rows[0];
    // None open: open one. Two transactions may try at once; the partial unique index lets one through.
    // Its predicate is a literal: a parameter there cannot name the index once a prepared
    // statement's plan turns generic (PGlite's are reused), and the insert would fail.
    await executor
      .insertInto('status_lists')
      .values({ id: randomUUID(), issuer_id: issuerId, purpose: REVOCATION, capacity, shuffle_seed: randomBytes(SEED_BYTES) })
      .onConflict((oc) => oc.columns(['issuer_id', 'purpose']).where('is_full', '=', sql.lit(false)).doNothing())
      .execute();
    return undefined;
  }

  /**
   * Takes `count` indexes never handed out before: in the caller's transaction when `executor` is one
   * (a rollback then hands them back), else statement by statement, each whole by itself. In a
   * transaction the open list's row stays locked until it ends, and the issuer's other allocations
   * (and revocations in that list) wait: keep such transactions short, or take() before them.
   */
  async function allocate(executor: Kysely<Database>, issuerId: string, count: number): Promise<StatusSlot[]> {
    const slots: StatusSlot[] = [];
    // A round that takes nothing opened a list, or found that others filled the one just opened;
    // either way the others made progress. Only a long run of such rounds means a fault.
    let emptyRounds = 0;
    while (slots.length < count) {
      const taken = await takeFromOpenList(executor, issuerId, count - slots.length);
      if (!taken) {
        if (++emptyRounds > MAX_EMPTY_ROUNDS) throw new Error('no status list would open or take indexes');
        continue;
      }
      emptyRounds = 0;
      const order = orderOf(taken.id, taken.shuffle_seed, taken.capacity);
      for (let position = taken.start; position < taken.end; position++) slots.push({ listId: taken.id, index: order[position]! });
    }
    return slots;
  }

  const reserves = new Map<string, { slots: StatusSlot[]; refill?: Promise<void> }>();

  /**
   * One index for a credential issued on its own, from this instance's reserve. Not for use inside
   * a transaction: the reserve is committed on its own (PGlite has one connection).
   */
  async function take(issuerId: string): Promise<StatusSlot> {
    let reserve = reserves.get(issuerId);
    if (!reserve) reserves.set(issuerId, (reserve = { slots: [] }));
    while (reserve.slots.length === 0) {
      const r = reserve;
      // No transaction: each statement of allocate() is whole by itself, and one held open
      // would keep PGlite's single session from the writes meanwhile.
      r.refill ??= allocate(db, issuerId, Math.min(RESERVE, Math.ceil(capacity / 16)))
        .then((slots) => void r.slots.push(...slots))
        .finally(() => (r.refill = undefined));
      await r.refill;
    }
    // First in, first out: a list that fills is finished before the next one is begun.
    return reserve.slots.shift()!;
  }

  /** Marks a list changed, in the caller's transaction; the next read re-signs it. */
  async function touch(trx: Kysely<Database>, listId: string): Promise<void> {
    await trx.updateTable('status_lists').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', listId).execute();
  }

  async function publish(listId: string): Promise<PublishedList> {
    const list = await db
      .selectFrom('status_lists')
      .innerJoin('issuers', 'issuers.id', 'status_lists.issuer_id')
      .select(['status_lists.id', 'status_lists.issuer_id', 'status_lists.version', 'status_lists.capacity', 'status_lists.purpose', 'status_lists.signed_version', 'status_lists.signed_credential', 'issuers.slug'])
      .where('status_lists.id', '=', listId)
      .executeTakeFirst();
    if (!list) throw notFound(`Status list ${listId}`);
    const etag = `"${list.id}-${list.version}"`;
    const cached = published.get(listId);
    if (cached && cached.version === list.version) return cached;
    if (list.signed_version === list.version && list.signed_credential) {
      const entry = { version: list.version, credential: list.signed_credential, etag };
      published.set(listId, entry);
      return entry;
    }
    const revoked = await db
      .selectFrom('credentials')
      .select('status_index')
      .where('status_list_id', '=', listId)
      .where('revoked_at', 'is not', null)
      .execute();
    const did = urls.issuerDid(list.slug);
    const url = urls.statusList(list.id);
    const { ed25519 } = await keys.activeKeys(list.issuer_id, did);
    const credential = await signDataIntegrity(
      {
        '@context': [VC_V2_CONTEXT],
        id: url,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: did,
        validFrom: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        credentialSubject: {
          id: `${url}#list`,
          type: 'BitstringStatusList',
          statusPurpose: list.purpose,
          encodedList: encodeBitstring(revoked.map((r) => r.status_index), list.capacity),
        },
      },
      ed25519,
    );
    // Another instance may have signed the same version meanwhile; either copy is valid.
    await db
      .updateTable('status_lists')
      .set({ signed_credential: JSON.stringify(credential), signed_version: list.version })
      .where('id', '=', list.id)
      .where('version', '=', list.version)
      .execute();
    const entry = { version: list.version, credential, etag };
    published.set(listId, entry);
    return entry;
  }

  return { allocate, take, touch, publish, capacity };
}
