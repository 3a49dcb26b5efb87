import type { Kysely } from 'kysely';
import type { Database, IssuerRow, NewIssuer } from '../db/types.js';

export function findIssuerBySlug(db: Kysely<Database>, slug: string): Promise<IssuerRow | undefined> {
  return db.selectFrom('issuers').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export function findIssuerById(db: Kysely<Database>, id: string): Promise<IssuerRow | undefined> {
  return db.selectFrom('issuers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Fails with the unique violation (23505) when the slug is taken. */
export async function insertIssuer(db: Kysely<Database>, issuer: NewIssuer): Promise<void> {
  await db.insertInto('issuers').values(issuer).execute();
}
