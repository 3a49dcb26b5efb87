/**
 * Which keys each issuer has, which of them sign, and the decrypted KeyObjects kept in memory.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, SigningKeyRow } from '../db/types.js';
import { generateKeyMaterial, openSigningKey, type KeyAlgorithm, type SigningKey } from './keys.js';

const FRAGMENT_PREFIX: Record<KeyAlgorithm, string> = { Ed25519: 'ed25519', RS256: 'rs256' };

/** How long an instance trusts its idea of the active key: another instance may rotate meanwhile. */
const ACTIVE_KEY_TTL_MS = 10_000;

export interface ActiveKeys {
  ed25519: SigningKey;
  rs256: SigningKey;
}

export interface KeyStore {
  /** Generates and stores a new key of each algorithm; call inside the caller's transaction. */
  addKeys(trx: Kysely<Database>, issuerId: string): Promise<void>;
  /** Retires the signing keys and adds new ones, in the caller's transaction. */
  rotate(trx: Kysely<Database>, issuerId: string): Promise<void>;
  /** `executor`: the caller's transaction when there is one (PGlite has a single connection). */
  activeKeys(issuerId: string, did: string, executor?: Kysely<Database>): Promise<ActiveKeys>;
  /** Every key the issuer ever had, for its DID document. */
  allKeys(issuerId: string): Promise<SigningKeyRow[]>;
  forget(issuerId: string): void;
}

export function createKeyStore(db: Db, kek: Buffer): KeyStore {
  const opened = new Map<string, SigningKey>();
  const active = new Map<string, { keys: ActiveKeys; until: number }>();

  async function open(row: SigningKeyRow, did: string): Promise<SigningKey> {
    let key = opened.get(row.id);
    if (!key) {
      key = await openSigningKey(kek, row, did);
      opened.set(row.id, key);
    }
    return key;
  }

  async function addKeys(trx: Kysely<Database>, issuerId: string): Promise<void> {
    const { count } = await trx
      .selectFrom('signing_keys')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('issuer_id', '=', issuerId)
      .executeTakeFirstOrThrow();
    const ordinal = Math.floor(Number(count) / 2) + 1;
    for (const algorithm of ['Ed25519', 'RS256'] as const) {
      const id = randomUUID();
      const material = await generateKeyMaterial(kek, id, algorithm);
      await trx
        .insertInto('signing_keys')
        .values({
          id,
          issuer_id: issuerId,
          fragment: `${FRAGMENT_PREFIX[algorithm]}-${ordinal}`,
          algorithm,
          public_jwk: JSON.stringify(material.publicJwk),
          public_key_multibase: material.publicKeyMultibase,
          private_key_sealed: material.sealedPrivateKey,
        })
        .execute();
    }
  }

  return {
    addKeys,
    async rotate(trx, issuerId) {
      await trx
        .updateTable('signing_keys')
        .set({ retired_at: new Date() })
        .where('issuer_id', '=', issuerId)
        .where('retired_at', 'is', null)
        .execute();
      await addKeys(trx, issuerId);
    },
    async activeKeys(issuerId, did, executor = db) {
      const cached = active.get(issuerId);
      if (cached && cached.until > Date.now()) return cached.keys;
      const rows = await executor
        .selectFrom('signing_keys')
        .selectAll()
        .where('issuer_id', '=', issuerId)
        .where('retired_at', 'is', null)
        .execute();
      const ed = rows.find((r) => r.algorithm === 'Ed25519');
      const rsa = rows.find((r) => r.algorithm === 'RS256');
      if (!ed || !rsa) throw new Error(`issuer ${issuerId} has no active signing keys`);
      const keys = { ed25519: await open(ed, did), rs256: await open(rsa, did) };
      active.set(issuerId, { keys, until: Date.now() + ACTIVE_KEY_TTL_MS });
      return keys;
    },
    allKeys(issuerId) {
      return db.selectFrom('signing_keys').selectAll().where('issuer_id', '=', issuerId).orderBy('created_at').orderBy('fragment').execute();
    },
    forget(issuerId) {
      active.delete(issuerId);
    },
  };
}
