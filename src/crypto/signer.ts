/**
 * Signs credentials in both forms: in a pool of worker threads (one per core) in the service, or
 * inline where a pool is not wanted. One interface, so callers don't care which.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { toTransferable, type SigningKey } from './keys.js';
import { signDataIntegrity, signJwt, verifyDataIntegrityProof, type ProofResult, type SignedCredential, type UnsignedCredential } from './securing.js';
import type { SignTask, SignedParts } from './signing-worker.js';

export interface SignedPair {
  /** With its Data Integrity proof; as given when secured by the JWT alone. */
  signed: SignedCredential | UnsignedCredential;
  jwt: string;
}

export interface CredentialSigner {
  /** Both forms; the JWT alone when `dataIntegrityKey` is null. */
  sign(credentials: UnsignedCredential[], dataIntegrityKey: SigningKey | null, jwtKey: SigningKey): Promise<SignedPair[]>;
  /** Verifies a Data Integrity proof with key documents resolved beforehand (also CPU work). */
  verifyProof(document: Record<string, unknown>, documents: Record<string, unknown>): Promise<ProofResult>;
  /** Worker threads running now (0 inline, and in a pool before its first task or after IDLE_MS idle). */
  threads(): number;
  close(): Promise<void>;
}

export function createInlineSigner(): CredentialSigner {
  return {
    async sign(credentials, diKey, jwtKey) {
      const out: SignedPair[] = [];
      for (const credential of credentials)
        out.push({ signed: diKey ? await signDataIntegrity(credential, diKey) : credential, jwt: signJwt(credential, jwtKey) });
      return out;
    },
    verifyProof: verifyDataIntegrityProof,
    threads: () => 0,
    async close() {},
  };
}

/** Credentials per task: big enough to amortise the message, small enough to spread over threads. */
const TASK_SIZE = 25;
/** A worker with no task for this long ends (all of them: none is kept for an idle service). */
const IDLE_MS = 30_000;

export function createPoolSigner(options: { threads?: number; idleMs?: number } = {}): CredentialSigner {
  const { threads = availableParallelism(), idleMs = IDLE_MS } = options;
  // Built (dist/, npm start) the worker is JavaScript beside this module; from the sources (tsx,
  // vitest) it is TypeScript, and tsx compiles it on load.
  const fromSource = import.meta.url.endsWith('.ts');
  // Workers come with the first task and go after IDLE_MS without one: a worker holds 30–100 MiB
  // (jsonld, the suites, its heap), and a service that is mostly quiet (a job centre's small VM)
  // should not keep them. Loading one again costs ~0.3 s on the first task after a quiet spell.
  let started: Piscina | undefined;
  const pool = () =>
    (started ??= new Piscina({
      filename: new URL(fromSource ? './signing-worker.ts' : './signing-worker.js', import.meta.url).href,
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: idleMs,
      // 'sync' (piscina's default) parks a waiting worker in Atomics.wait, which stops its event
      // loop: its timers, src/memory.ts's release among them, never ran between tasks.
      atomics: 'async',
      // jsonld.js and the canonicalisation allocate heavily: with 64 MB of young generation instead
      // of V8's 16, signing ran ~25 % faster and foreign credentials verified ~20 % faster
      // (2026-12-04: 16 MB cost single issuance its 5× over the library). It costs up to ~48 MiB
      // of resident memory per worker while busy; src/memory.ts gives garbage back once quiet.
      resourceLimits: { maxYoungGenerationSizeMb: 64 },
    }));
  const transferable = new WeakMap<SigningKey, ReturnType<typeof toTransferable>>();
  const asTransferable = (key: SigningKey) => {
    let t = transferable.get(key);
    if (!t) {
      t = toTransferable(key);
      transferable.set(key, t);
    }
    return t;
  };
  const inline = createInlineSigner();
  return {
    async sign(credentials, diKey, jwtKey) {
      // A JWT alone costs less than the message to a worker: a few are signed here.
      if (!diKey && credentials.length <= TASK_SIZE) return inline.sign(credentials, null, jwtKey);
      const tasks: Promise<SignedParts[]>[] = [];
      for (let i = 0; i < credentials.length; i += TASK_SIZE) {
        const task: SignTask = {
          credentials: credentials.slice(i, i + TASK_SIZE),
          dataIntegrityKey: diKey && asTransferable(diKey),
          jwtKey: asTransferable(jwtKey),
        };
        tasks.push(pool().run(task));
      }
      const parts = (await Promise.all(tasks)).flat();
      return parts.map(({ proof, jwt }, i) => ({ signed: proof ? { ...credentials[i]!, proof: [proof] } : credentials[i]!, jwt }));
    },
    verifyProof: (document, documents) => pool().run({ document, documents }, { name: 'verifyProof' }),
    close: async () => {
      await started?.destroy();
    },
    threads: () => started?.threads.length ?? 0,
  };
}
