/** Issuers' signing keys as stored: public halves in the clear, private halves sealed (src/crypto/keys.ts). */
import type { Kysely } from 'kysely';
import type { Database, SigningKeyRow } from '../db/types.js';
import type { KeyAlgorithm, NewKeyMaterial } from '../crypto/keys.js';

export function countSigningKeys(db: Kysely<Database>, issuerId: string): Promise<number> {
  return db
    .selectFrom('signing_keys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('issuer_id', '=', issuerId)
    .executeTakeFirstOrThrow()
    .then(({ count }) => Number(count));
}

export async function insertSigningKey(
  db: Kysely<Database>,
  key: { id: string; issuerId: string; fragment: string; algorithm: KeyAlgorithm; material: NewKeyMaterial },
): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      id: key.id,
      issuer_id: key.issuerId,
      fragment: key.fragment,
      algorithm: key.algorithm,
      public_jwk: JSON.stringify(key.material.publicJwk),
      public_key_multibase: key.material.publicKeyMultibase,
      private_key_sealed: key.material.sealedPrivateKey,
    })
    .execute();
}

/** Retired keys no longer sign, but stay listed so that what they signed keeps verifying. */
export async function retireSigningKeys(db: Kysely<Database>, issuerId: string): Promise<void> {
  await db.updateTable('signing_keys').set({ retired_at: new Date() }).where('issuer_id', '=', issuerId).where('retired_at', 'is', null).execute();
}

export function findActiveSigningKeys(db: Kysely<Database>, issuerId: string): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().where('issuer_id', '=', issuerId).where('retired_at', 'is', null).execute();
}

/** Every key the issuer ever had, oldest first. */
export function listSigningKeys(db: Kysely<Database>, issuerId: string): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().where('issuer_id', '=', issuerId).orderBy('created_at').orderBy('fragment').execute();
}
