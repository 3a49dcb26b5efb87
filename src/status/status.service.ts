/**
 * Revocation status lists (Bitstring Status List v1.0): indexes handed out in each list's secret
 * shuffled order, never reused; the signed list credential re-made only when the list changed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createCache } from '../cache.js';
import { signDataIntegrity } from '../crypto/securing.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/types.js';
import { notFound } from '../errors.js';
import type { KeyStore } from '../issuers/key-store.js';
import { VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { Urls } from '../urls.js';
import { MIN_LIST_BITS, encodeBitstring } from './bitstring.js';
import { SEED_BYTES, shuffledIndexes } from './shuffle.js';
import {
  bumpStatusListVersion,
  findStatusListToPublish,
  listRevokedIndexes,
  openStatusList,
  saveSignedStatusList,
  takeFromOpenList,
} from './status.repository.js';

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

/** Signed list credentials an instance keeps (a few KiB each while few credentials are revoked). */
const CACHED_LISTS = 1_000;

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
  // A list's signed credential by list id, good while the list's version (read on every publish) is the same.
  const published = createCache<{ version: number } & PublishedList>({ maxEntries: CACHED_LISTS });
  // A list's order never changes (its seed does not); each costs a few ms at 131,072.
  const orders = createCache<Uint32Array>({ maxEntries: CACHED_ORDERS });

  function orderOf(listId: string, seed: Uint8Array, listCapacity: number): Uint32Array {
    const order = orders.get(listId) ?? shuffledIndexes(seed, listCapacity);
    // Set again on every use: the lists being allocated from stay, the least recently used go first.
    orders.set(listId, order);
    return order;
  }

  /** Takes up to `count` positions from the open list, or opens a list when there is none (and takes none). */
  async function takeOrOpen(executor: Kysely<Database>, issuerId: string, count: number) {
    const taken = await takeFromOpenList(executor, issuerId, REVOCATION, count);
    if (!taken) await openStatusList(executor, { id: randomUUID(), issuerId, purpose: REVOCATION, capacity, shuffleSeed: randomBytes(SEED_BYTES) });
    return taken;
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
      const taken = await takeOrOpen(executor, issuerId, count - slots.length);
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
    if (!reserve) {
      reserve = { slots: [] };
      reserves.set(issuerId, reserve);
    }
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
    await bumpStatusListVersion(trx, listId);
  }

  async function publish(listId: string): Promise<PublishedList> {
    const list = await findStatusListToPublish(db, listId);
    if (!list) throw notFound(`Status list ${listId}`);
    const etag = `"${list.id}-${list.version}"`;
    const cached = published.get(listId);
    if (cached && cached.version === list.version) return cached;
    if (list.signed_version === list.version && list.signed_credential) {
      const entry = { version: list.version, credential: list.signed_credential, etag };
      published.set(listId, entry);
      return entry;
    }
    const revoked = await listRevokedIndexes(db, listId);
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
          encodedList: encodeBitstring(revoked, list.capacity),
        },
      },
      ed25519,
    );
    // Another instance may have signed the same version meanwhile; either copy is valid.
    await saveSignedStatusList(db, list.id, list.version, credential);
    const entry = { version: list.version, credential, etag };
    published.set(listId, entry);
    return entry;
  }

  return { allocate, take, touch, publish, capacity };
}
