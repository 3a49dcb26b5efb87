/** Offers, access tokens, nonces and holder-bound copies (OpenID4VCI): every SQL statement of src/wallets. */
import { sql, type Kysely } from 'kysely';
import type { CredentialRow, Database, IssuerRow } from '../db/types.js';

/** The original credential an offer is made for, with what decides whether it may be offered. */
export function findCredentialForOffer(db: Kysely<Database>, credentialId: string) {
  return db
    .selectFrom('credentials')
    .leftJoin('wallet_copies', 'wallet_copies.copy_id', 'credentials.id')
    .select([
      'credentials.id',
      'credentials.issuer_id',
      'credentials.achievement_id',
      'credentials.learner_id',
      'credentials.document',
      'credentials.valid_from',
      'credentials.valid_until',
      'credentials.revoked_at',
      'credentials.suspended_at',
      'wallet_copies.original_id as copy_of',
    ])
    .where('credentials.id', '=', credentialId)
    .executeTakeFirst();
}

export function findIssuerById(db: Kysely<Database>, id: string): Promise<IssuerRow | undefined> {
  return db.selectFrom('issuers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertOffer(
  db: Kysely<Database>,
  offer: { id: string; credentialId: string; codeHash: string; txCodeHash: string | null; configurationIds: string[]; actor: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('wallet_offers')
    .values({
      id: offer.id,
      credential_id: offer.credentialId,
      code_hash: offer.codeHash,
      tx_code_hash: offer.txCodeHash,
      configuration_ids: JSON.stringify(offer.configurationIds),
      actor: offer.actor,
      expires_at: offer.expiresAt,
    })
    .execute();
}

/** An offer by its code's digest, locked for the caller's transaction (two wallets racing for one code get one token). */
export function findOfferForUpdate(db: Kysely<Database>, codeHash: string) {
  return db.selectFrom('wallet_offers').selectAll().where('code_hash', '=', codeHash).forUpdate().executeTakeFirst();
}

/** A wrong transaction code: counted; the offer is spent once too many are made. */
export async function recordTxCodeFailure(db: Kysely<Database>, offerId: string, spendAfter: number): Promise<void> {
  await db
    .updateTable('wallet_offers')
    .set((eb) => ({
      tx_code_failures: eb('tx_code_failures', '+', 1),
      used_at: sql<Date | null>`case when tx_code_failures + 1 >= ${spendAfter} then now() else used_at end`,
    }))
    .where('id', '=', offerId)
    .execute();
}

export async function markOfferUsed(db: Kysely<Database>, offerId: string): Promise<void> {
  await db.updateTable('wallet_offers').set({ used_at: sql`now()` }).where('id', '=', offerId).execute();
}

/** A reused code: the tokens it gave are withdrawn (RFC 9700 §4.4.1: a code replayed may have been stolen). */
export async function deleteTokensOfOffer(db: Kysely<Database>, offerId: string): Promise<void> {
  await db.deleteFrom('wallet_access_tokens').where('offer_id', '=', offerId).execute();
}

export async function insertAccessToken(
  db: Kysely<Database>,
  token: { tokenHash: string; offerId: string; credentialId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('wallet_access_tokens')
    .values({ token_hash: token.tokenHash, offer_id: token.offerId, credential_id: token.credentialId, expires_at: token.expiresAt })
    .execute();
}

/** An access token that has not expired, with the configurations its offer named. */
export function findLiveAccessToken(db: Kysely<Database>, tokenHash: string, now: Date) {
  return db
    .selectFrom('wallet_access_tokens')
    .innerJoin('wallet_offers', 'wallet_offers.id', 'wallet_access_tokens.offer_id')
    .select(['wallet_access_tokens.token_hash', 'wallet_access_tokens.credential_id', 'wallet_offers.configuration_ids'])
    .where('wallet_access_tokens.token_hash', '=', tokenHash)
    .where('wallet_access_tokens.expires_at', '>', now)
    .executeTakeFirst();
}

/** A new c_nonce; nonces long expired are cleared on the way, so the table holds minutes of them. */
export async function insertNonce(db: Kysely<Database>, nonceHash: string, expiresAt: Date): Promise<void> {
  await sql`with cleared as (delete from wallet_nonces where expires_at < now() - interval '1 hour')
    insert into wallet_nonces (nonce_hash, expires_at) values (${nonceHash}, ${expiresAt})`.execute(db);
}

/** Spends a c_nonce: true only for one issued here, not expired, and not spent before (one statement, so once). */
export async function spendNonce(db: Kysely<Database>, nonceHash: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('wallet_nonces')
    .set({ used_at: now })
    .where('nonce_hash', '=', nonceHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('nonce_hash')
    .executeTakeFirst();
  return row !== undefined;
}

/** The original, locked until the caller's transaction ends: a revocation waits for the copy (and then reaches it) or the copy sees it. */
export function lockCredential(db: Kysely<Database>, id: string): Promise<CredentialRow | undefined> {
  return db.selectFrom('credentials').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findCopyForToken(db: Kysely<Database>, tokenHash: string, configurationId: string) {
  return db
    .selectFrom('wallet_copies')
    .select('copy_id')
    .where('token_hash', '=', tokenHash)
    .where('configuration_id', '=', configurationId)
    .executeTakeFirst();
}

export async function insertCopy(
  db: Kysely<Database>,
  copy: { copyId: string; originalId: string; holder: string; configurationId: string; tokenHash: string },
): Promise<void> {
  await db
    .insertInto('wallet_copies')
    .values({
      copy_id: copy.copyId,
      original_id: copy.originalId,
      holder: copy.holder,
      configuration_id: copy.configurationId,
      token_hash: copy.tokenHash,
    })
    .execute();
}

/** A copy starts as private as its original is (her choice holds for the copy's public page too). */
export async function setPrivate(db: Kysely<Database>, credentialId: string, isPrivate: boolean): Promise<void> {
  await db.updateTable('credentials').set({ private: isPrivate }).where('id', '=', credentialId).execute();
}

/** The copies of an original (their ids), for the caches that must drop them when it changes. */
export async function listCopyIds(db: Kysely<Database>, originalId: string): Promise<string[]> {
  const rows = await db.selectFrom('wallet_copies').select('copy_id').where('original_id', '=', originalId).execute();
  return rows.map((r) => r.copy_id);
}
