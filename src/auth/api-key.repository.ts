/** Institutions' API keys, stored as SHA-256 hashes of their tokens (src/auth/auth.ts). */
import type { Kysely } from 'kysely';
import type { Database, IssuerRow } from '../db/types.js';

export async function insertApiKey(db: Kysely<Database>, key: { id: string; issuerId: string; tokenHash: string; label: string | null }): Promise<void> {
  await db.insertInto('api_keys').values({ id: key.id, issuer_id: key.issuerId, token_hash: key.tokenHash, label: key.label }).execute();
}

/** The revoked key's token hash; undefined when no live key with that id belongs to the issuer. */
export async function revokeApiKey(db: Kysely<Database>, issuerId: string, keyId: string): Promise<string | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', keyId)
    .where('issuer_id', '=', issuerId)
    .where('revoked_at', 'is', null)
    .returning('token_hash')
    .executeTakeFirst();
  return row?.token_hash;
}

/** The key with this token hash and its institution, in one query: every authenticated request needs both. */
export function findApiKeyByTokenHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<(IssuerRow & { api_key_id: string; revoked_at: Date | null }) | undefined> {
  return db
    .selectFrom('api_keys')
    .innerJoin('issuers', 'issuers.id', 'api_keys.issuer_id')
    .selectAll('issuers')
    .select(['api_keys.id as api_key_id', 'api_keys.revoked_at'])
    .where('api_keys.token_hash', '=', tokenHash)
    .executeTakeFirst();
}
