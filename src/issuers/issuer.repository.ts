import type { Kysely } from 'kysely';
import type { Database, IssuerRow } from '../db/types.js';

export function findIssuerBySlug(db: Kysely<Database>, slug: string): Promise<IssuerRow | undefined> {
  return db.selectFrom('issuers').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function insertApiKey(
  db: Kysely<Database>,
  key: { id: string; issuerId: string; tokenHash: string; label: string | null },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({ id: key.id, issuer_id: key.issuerId, token_hash: key.tokenHash, label: key.label })
    .execute();
}

/** Returns false when no live key with that id belongs to the issuer. */
export async function revokeApiKey(db: Kysely<Database>, issuerId: string, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', keyId)
    .where('issuer_id', '=', issuerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
