/** The operator's registry as stored: external issuers with their keys, and status lists fetched for them. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, KnownIssuersTable, KnownStatusListsTable, VerificationMethod } from '../db/types.js';

export type KnownIssuerRow = Selectable<KnownIssuersTable>;
export type KnownStatusListRow = Selectable<KnownStatusListsTable>;

/** Adds the issuer, or replaces what is known of it. */
export function upsertKnownIssuer(
  db: Kysely<Database>,
  issuer: { id: string; name: string; url: string | null; verificationMethods: VerificationMethod[] },
): Promise<KnownIssuerRow> {
  const fields = { name: issuer.name, url: issuer.url, verification_methods: JSON.stringify(issuer.verificationMethods) };
  return db
    .insertInto('known_issuers')
    .values({ id: issuer.id, ...fields })
    .onConflict((oc) => oc.column('id').doUpdateSet(fields))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listKnownIssuers(db: Kysely<Database>): Promise<KnownIssuerRow[]> {
  return db.selectFrom('known_issuers').selectAll().orderBy('created_at').execute();
}

export function findKnownIssuer(db: Kysely<Database>, id: string): Promise<KnownIssuerRow | undefined> {
  return db.selectFrom('known_issuers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Returns false when no such issuer was known. */
export async function deleteKnownIssuer(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('known_issuers').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteKnownStatusListsOf(db: Kysely<Database>, issuerId: string): Promise<void> {
  await db.deleteFrom('known_status_lists').where('issuer_id', '=', issuerId).execute();
}

/** Adds the list, or replaces the copy kept of it. */
export async function upsertKnownStatusList(db: Kysely<Database>, list: { id: string; issuerId: string; credential: Record<string, unknown> }): Promise<void> {
  const fields = { issuer_id: list.issuerId, credential: JSON.stringify(list.credential) };
  await db
    .insertInto('known_status_lists')
    .values({ id: list.id, ...fields })
    .onConflict((oc) => oc.column('id').doUpdateSet(fields))
    .execute();
}

export function findKnownStatusList(db: Kysely<Database>, id: string): Promise<KnownStatusListRow | undefined> {
  return db.selectFrom('known_status_lists').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listKnownStatusLists(db: Kysely<Database>): Promise<Pick<KnownStatusListRow, 'id' | 'issuer_id' | 'created_at'>[]> {
  return db.selectFrom('known_status_lists').select(['id', 'issuer_id', 'created_at']).orderBy('created_at').execute();
}
