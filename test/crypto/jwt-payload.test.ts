/**
 * The JWT payload is spliced from the document's JSON text (src/crypto/securing.ts) rather than
 * serialised a second time. It must be, byte for byte, the JSON of the credential without its proof
 * followed by the claims, as VC-JOSE-COSE §3.1.1 and OB 3.0 §8.2.4.1 make it; jose must verify it;
 * and the stored (detached) form must give the same JWT back. In memory only: runs once.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { storedForm } from '../../src/issuance/issued-credential.repository.js';
import { signingKeyFromJwk } from '../../src/crypto/keys.js';
import { attachJwtPayload, signJwt, type UnsignedCredential } from '../../src/crypto/securing.js';
import { onPostgres } from '../helpers/app.js';

/** The payload as the specifications describe it, written out here independently. */
function expectedPayload(credential: Record<string, unknown>): string {
  const { proof: _proof, ...withoutProof } = credential;
  const issuer = credential.issuer as string | { id: string };
  const claims: Record<string, unknown> = {
    iss: typeof issuer === 'string' ? issuer : issuer.id,
    jti: credential.id,
    nbf: Math.floor(Date.parse(credential.validFrom as string) / 1000),
  };
  const subject = (credential.credentialSubject as { id?: string } | undefined)?.id;
  if (subject) claims.sub = subject;
  if (typeof credential.validUntil === 'string') claims.exp = Math.floor(Date.parse(credential.validUntil) / 1000);
  return JSON.stringify({ ...withoutProof, ...claims });
}

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('김민지 👩‍💻', 'quote " \\ ', 'line\nbreak', '\u2028', '</script>'));
const credential: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    issuer: fc.oneof(fc.constant('did:web:badges.example.kr:issuers:a'), fc.record({ id: fc.constant('did:web:badges.example.kr:issuers:b'), name: text })),
    validUntil: fc.option(fc.constant('2099-01-01T00:00:00Z'), { nil: undefined }),
    subjectId: fc.option(fc.constant('did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi'), { nil: undefined }),
    name: text,
    extra: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('iss', 'jti', 'nbf', 'sub', 'exp', '0', '12')), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    }),
    proof: fc.option(fc.constant([{ type: 'DataIntegrityProof', proofValue: 'z3' }]), { nil: undefined }),
  })
  .map(({ issuer, validUntil, subjectId, name, extra, proof }) => {
    const c: Record<string, unknown> = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential'],
      issuer,
      validFrom: '2026-03-02T09:00:00Z',
    };
    if (validUntil) c.validUntil = validUntil;
    c.name = name;
    c.credentialSubject = subjectId ? { id: subjectId, name } : { name };
    Object.assign(c, extra);
    if (proof) c.proof = proof;
    return c;
  });

describe.skipIf(onPostgres())('JWT payload', () => {
  it('is the credential without its proof, then the claims, byte for byte; jose verifies it and the stored form gives it back (500 credentials)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = await signingKeyFromJwk({
      rowId: randomUUID(),
      algorithm: 'Ed25519',
      verificationMethod: 'did:web:badges.example.kr#ed25519-1',
      controller: 'did:web:badges.example.kr',
      privateJwk: privateKey.export({ format: 'jwk' }),
    });
    const verifier = await importJWK(publicKey.export({ format: 'jwk' }) as never, 'EdDSA');
    await fc.assert(
      fc.asyncProperty(credential, async (c) => {
        const jwt = signJwt(c as UnsignedCredential, key);
        const { payload } = await compactVerify(jwt, verifier);
        expect(new TextDecoder().decode(payload)).toBe(expectedPayload(c));
        const stored = storedForm(c, jwt);
        expect(attachJwtPayload(stored.jwt, JSON.parse(stored.document))).toBe(jwt);
      }),
      { numRuns: 500 },
    );
  });
});
