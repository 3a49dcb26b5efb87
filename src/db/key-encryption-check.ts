/**
 * At start: does this instance's key-encryption key (KEK) open what the database holds? A wrong
 * but well-formed KEY_ENCRYPTION_KEY would otherwise start fine, answer 500 to every issue, and seal
 * new institutions' keys under a key no other instance has. Checked against the canary (sealed on
 * first use) and the newest signing key.
 */
import { opensUnder, sealCanary } from '../crypto/key-encryption.js';
import { aadFor } from '../crypto/keys.js';
import type { Db } from './database.js';

export class WrongKeyEncryptionKey extends Error {}

export async function checkKeyEncryptionKey(db: Db, kek: Buffer): Promise<void> {
  await db
    .insertInto('key_encryption_check')
    .values({ id: 1, sealed: sealCanary(kek) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const canary = await db.selectFrom('key_encryption_check').select('sealed').where('id', '=', 1).executeTakeFirstOrThrow();
  const newestKey = await db.selectFrom('signing_keys').select(['id', 'private_key_sealed']).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  const opens = opensUnder(kek, canary.sealed) && (!newestKey || opensUnder(kek, newestKey.private_key_sealed, aadFor(newestKey.id)));
  if (!opens) {
    throw new WrongKeyEncryptionKey(
      'the key-encryption key does not open the keys in this database: start with the KEY_ENCRYPTION_KEY (or keys/kek) it was created with',
    );
  }
}
