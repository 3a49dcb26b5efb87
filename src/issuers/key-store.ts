/**
 * Which keys each issuer has, which of them sign, and the opened KeyObjects kept in memory. The
 * sealing, generating and opening are src/crypto/keys.ts; the rows, signing-key.repository.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createCache } from '../cache.js';
import { generateKeyMaterial, openSigningKey, type KeyAlgorithm, type SigningKey } from '../crypto/keys.js';
import type { Db } from '../db/database.js';
import type { Database, SigningKeyRow } from '../db/types.js';
import { countSigningKeys, findActiveSigningKeys, insertSigningKey, listSigningKeys, retireSigningKeys } from './signing-key.repository.js';

const FRAGMENT_PREFIX: Record<KeyAlgorithm, string> = { Ed25519: 'ed25519', RS256: 'rs256' };

/** How long an instance trusts its idea of the active key: another instance may rotate meanwhile. */
const ACTIVE_KEY_TTL_MS = 10_000;

/** Issuers whose active keys an instance keeps (two opened keys each). */
const CACHED_ISSUERS = 1_000;

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
  // A stored key never changes: once opened, it is kept until pushed out.
  const opened = createCache<Promise<SigningKey>>({ maxEntries: 2 * CACHED_ISSUERS });
  const active = createCache<ActiveKeys>({ maxEntries: CACHED_ISSUERS, ttlMs: ACTIVE_KEY_TTL_MS });

  const open = (row: SigningKeyRow, did: string): Promise<SigningKey> =>
    opened.getOrLoad(row.id, () =>
      openSigningKey(kek, { keyId: row.id, algorithm: row.algorithm, fragment: row.fragment, sealedPrivateKey: row.private_key_sealed }, did),
    );

  async function addKeys(trx: Kysely<Database>, issuerId: string): Promise<void> {
    const ordinal = Math.floor((await countSigningKeys(trx, issuerId)) / 2) + 1;
    for (const algorithm of ['Ed25519', 'RS256'] as const) {
      const id = randomUUID();
      const material = await generateKeyMaterial(kek, id, algorithm);
      await insertSigningKey(trx, { id, issuerId, fragment: `${FRAGMENT_PREFIX[algorithm]}-${ordinal}`, algorithm, material });
    }
  }

  return {
    addKeys,
    async rotate(trx, issuerId) {
      await retireSigningKeys(trx, issuerId);
      await addKeys(trx, issuerId);
    },
    async activeKeys(issuerId, did, executor = db) {
      const cached = active.get(issuerId);
      if (cached) return cached;
      const rows = await findActiveSigningKeys(executor, issuerId);
      const ed = rows.find((r) => r.algorithm === 'Ed25519');
      const rsa = rows.find((r) => r.algorithm === 'RS256');
      if (!ed || !rsa) throw new Error(`issuer ${issuerId} has no active signing keys`);
      const keys = { ed25519: await open(ed, did), rs256: await open(rsa, did) };
      active.set(issuerId, keys);
      return keys;
    },
    allKeys(issuerId) {
      return listSigningKeys(db, issuerId);
    },
    forget(issuerId) {
      active.delete(issuerId);
    },
  };
}
