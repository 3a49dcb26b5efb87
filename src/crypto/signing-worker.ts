/**
 * A signing worker thread: JSON-LD canonicalisation and Ed25519/RSA signatures are CPU work that
 * must not run on the request's event loop. Keys are rebuilt once per worker and kept.
 */
import { createDataIntegrityProof, signJwt, verifyDataIntegrityProof, type UnsignedCredential } from './securing.js';
import { signingKeyFromJwk, type SigningKey, type TransferableKey } from './keys.js';
import { createCache } from '../cache.js';
import { releaseMemoryWhenQuiet } from '../memory.js';

/** A cohort's garbage goes back once this worker is quiet (src/memory.ts). */
const memory = releaseMemoryWhenQuiet();

/** Opened keys by key row (immutable), as many as the key store keeps on the main thread. */
const keys = createCache<Promise<SigningKey>>({ maxEntries: 2_000 });

const keyOf = (transferable: TransferableKey): Promise<SigningKey> => keys.getOrLoad(transferable.rowId, () => signingKeyFromJwk(transferable));

export interface SignTask {
  credentials: UnsignedCredential[];
  /** null: the JWT alone. */
  dataIntegrityKey: TransferableKey | null;
  jwtKey: TransferableKey;
}

/** Checks a Data Integrity proof with the key documents the caller already resolved. */
export async function verifyProof(task: { document: Record<string, unknown>; documents: Record<string, unknown> }) {
  memory.busy();
  return verifyDataIntegrityProof(task.document, task.documents);
}

/** What a worker sends back per credential: the proof and the JWT, not the document again. */
export interface SignedParts {
  proof: Record<string, unknown> | null;
  jwt: string;
}

export default async function signMany(task: SignTask): Promise<SignedParts[]> {
  memory.busy();
  const [diKey, jwtKey] = await Promise.all([task.dataIntegrityKey && keyOf(task.dataIntegrityKey), keyOf(task.jwtKey)]);
  const out: SignedParts[] = [];
  for (const credential of task.credentials)
    out.push({ proof: diKey ? await createDataIntegrityProof(credential, diKey) : null, jwt: signJwt(credential, jwtKey) });
  return out;
}
