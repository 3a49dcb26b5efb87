/**
 * The signing pool (src/crypto/signer.ts): its workers come with the first task and all of them go
 * once idle (a quiet service keeps no worker's memory), and a worker started again signs exactly as
 * before. Ed25519 signatures are deterministic, so the pool's JWTs must equal the inline signer's.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createInlineSigner, createPoolSigner } from '../../src/crypto/signer.js';
import type { UnsignedCredential } from '../../src/crypto/securing.js';
import { onPostgres } from '../helpers/app.js';
import { newSigningKey } from '../helpers/signing-key.js';

const did = 'did:web:badges.example.kr:issuers:pool-test';

const credentials = (n: number): UnsignedCredential[] =>
  Array.from({ length: n }, (_, i) => ({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential'],
    issuer: did,
    validFrom: '2026-03-02T09:00:00Z',
    credentialSubject: { name: `수강생 ${i}` },
  })) as unknown as UnsignedCredential[];

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (condition()) return true;
  return condition();
}

describe.skipIf(onPostgres())('the signing pool', () => {
  it('starts workers with the first task, ends them all when idle, and signs the same after a restart', async () => {
    const key = await newSigningKey(did);
    const inline = createInlineSigner();
    const pool = createPoolSigner({ threads: 2, idleMs: 500 });
    try {
      expect(pool.threads()).toBe(0);
      // More than one task's worth of JWT-only credentials: these go to the workers.
      const first = credentials(60);
      expect((await pool.sign(first, null, key)).map((p) => p.jwt)).toEqual((await inline.sign(first, null, key)).map((p) => p.jwt));
      expect(pool.threads()).toBeGreaterThan(0);

      expect(await until(() => pool.threads() === 0, 15_000)).toBe(true);

      const second = credentials(60);
      expect((await pool.sign(second, null, key)).map((p) => p.jwt)).toEqual((await inline.sign(second, null, key)).map((p) => p.jwt));
      expect(pool.threads()).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
