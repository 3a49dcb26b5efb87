/**
 * Revocation status lists (Bitstring Status List v1.0): index allocation at random, never reused,
 * made unique by the database; the signed list credential re-made only when the list changed.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { KeyStore } from '../crypto/key-store.js';
import { signDataIntegrity } from '../crypto/securing.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/types.js';
import { notFound } from '../errors.js';
import { VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { Urls } from '../urls.js';
import { MIN_LIST_BITS, encodeBitstring } from './bitstring.js';

export const REVOCATION = 'revocation';

/** Rounds of random draws before a list counts as full and a new one is opened. */
const DRAW_ROUNDS = 8;

/**
 * Indexes an instance allocates ahead for credentials issued one at a time, so that issuing one
 * costs no allocation query. They are allocated in the database like any other (unique, never
 * reused); the few an instance holds when it stops are never used, which the format allows.
 */
const RESERVE = 64;

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

  async function openList(trx: Kysely<Database>, issuerId: string): Promise<string> {
    const find = () =>
      trx
        .selectFrom('status_lists')
        .select('id')
        .where('issuer_id', '=', issuerId)
        .where('purpose', '=', REVOCATION)
        .where('is_full', '=', false)
        .executeTakeFirst();
    const existing = await find();
    if (existing) return existing.id;
    // Two transactions may open one at once: the partial unique index lets only one through.
    await trx
      .insertInto('status_lists')
      .values({ id: randomUUID(), issuer_id: issuerId, purpose: REVOCATION, capacity })
      .onConflict((oc) => oc.columns(['issuer_id', 'purpose']).where('is_full', '=', false).doNothing())
      .execute();
    return (await find())!.id;
  }

  /** Draws `count` unused indexes, in the caller's transaction. */
  async function allocate(trx: Kysely<Database>, issuerId: string, count: number): Promise<StatusSlot[]> {
    const slots: StatusSlot[] = [];
    while (slots.length < count) {
      const listId = await openList(trx, issuerId);
      for (let round = 0; round < DRAW_ROUNDS && slots.length < count; round++) {
        const candidates = new Set<number>();
        while (candidates.size < count - slots.length) candidates.add(randomInt(capacity));
        const drawn = await trx
          .insertInto('status_allocations')
          .values([...candidates].map((index) => ({ status_list_id: listId, status_index: index })))
          .onConflict((oc) => oc.doNothing())
          .returning('status_index')
          .execute();
        for (const row of drawn) slots.push({ listId, index: row.status_index });
      }
      if (slots.length < count) {
        await trx.updateTable('status_lists').set({ is_full: true }).where('id', '=', listId).execute();
      }
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
      r.refill ??= db
        .transaction()
        .execute((trx) => allocate(trx, issuerId, Math.min(RESERVE, Math.ceil(capacity / 16))))
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
