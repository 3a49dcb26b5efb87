/** Status lists as stored: each list's allocation counter, version, and last signed credential. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.js';

/**
 * Moves the issuer's open list's counter on by up to `count` (one statement, which locks the list
 * row: concurrent allocations queue there). Returns the positions taken, [start, end); undefined
 * when no list of that purpose is open.
 */
export async function takeFromOpenList(db: Kysely<Database>, issuerId: string, purpose: string, count: number) {
  const { rows } = await sql<{ id: string; shuffle_seed: Uint8Array; capacity: number; start: number; end: number }>`
    with open as (
      select id, allocated from status_lists
      where issuer_id = ${issuerId} and purpose = ${purpose} and not is_full
      for update)
    update status_lists s
    set allocated = least(s.allocated + ${count}::integer, s.capacity), is_full = s.allocated + ${count}::integer >= s.capacity
    from open where s.id = open.id
    returning s.id, s.shuffle_seed, s.capacity, open.allocated as start, s.allocated as end`.execute(db);
  return rows[0];
}

/**
 * Opens a list, unless one of that purpose is open already: two transactions may try at once, and
 * the partial unique index lets one through. Its predicate is a literal: a parameter there cannot
 * name the index once a prepared statement's plan turns generic (PGlite's are reused), and the
 * insert would fail.
 */
export async function openStatusList(
  db: Kysely<Database>,
  list: { id: string; issuerId: string; purpose: string; capacity: number; shuffleSeed: Uint8Array },
): Promise<void> {
  await db
    .insertInto('status_lists')
    .values({ id: list.id, issuer_id: list.issuerId, purpose: list.purpose, capacity: list.capacity, shuffle_seed: list.shuffleSeed })
    .onConflict((oc) => oc.columns(['issuer_id', 'purpose']).where('is_full', '=', sql.lit(false)).doNothing())
    .execute();
}

/** Marks a list changed (in the caller's transaction): its signed credential is then out of date. */
export async function bumpStatusListVersion(db: Kysely<Database>, listId: string): Promise<void> {
  await db
    .updateTable('status_lists')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', listId)
    .execute();
}

/** What publishing a list needs: the list, its last signed credential, and its issuer's slug. */
export function findStatusListToPublish(db: Kysely<Database>, listId: string) {
  return db
    .selectFrom('status_lists')
    .innerJoin('issuers', 'issuers.id', 'status_lists.issuer_id')
    .select([
      'status_lists.id',
      'status_lists.issuer_id',
      'status_lists.version',
      'status_lists.capacity',
      'status_lists.purpose',
      'status_lists.signed_version',
      'status_lists.signed_credential',
      'issuers.slug',
    ])
    .where('status_lists.id', '=', listId)
    .executeTakeFirst();
}

/** The list's indexes whose credentials are revoked. */
export async function listRevokedIndexes(db: Kysely<Database>, listId: string): Promise<number[]> {
  const rows = await db.selectFrom('credentials').select('status_index').where('status_list_id', '=', listId).where('revoked_at', 'is not', null).execute();
  return rows.map((r) => r.status_index);
}

/** Keeps the credential signed for `version`, unless the list has changed since. */
export async function saveSignedStatusList(db: Kysely<Database>, listId: string, version: number, credential: Record<string, unknown>): Promise<void> {
  await db
    .updateTable('status_lists')
    .set({ signed_credential: JSON.stringify(credential), signed_version: version })
    .where('id', '=', listId)
    .where('version', '=', version)
    .execute();
}
