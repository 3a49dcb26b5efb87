/**
 * POST /v1/verify/batch (issue 24): up to 100 items, each a credential, a JWT or a link to one of
 * ours; a verdict (or an item's problem) for each, in order, on the real app with real signatures.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as vcLib from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { createDocumentLoader } from '../../src/jsonld/document-loader.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, didKeySigner, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;

const checkOf = (verdict: any, id: string) => verdict.checks.find((c: any) => c.check === id);

async function batch(payload: unknown) {
  return t.app.inject({ method: 'POST', url: '/v1/verify/batch', payload: payload as any });
}

/** A credential of a did:key issuer (neither ours nor registered), signed with the standard library. */
async function foreignCredential(from: Record<string, any>) {
  const { key, did } = await didKeySigner();
  const { proof: _proof, credentialStatus: _status, ...copy } = structuredClone(from);
  copy.id = `urn:uuid:${randomUUID()}`;
  copy.issuer = { ...copy.issuer, id: did };
  const suite = new DataIntegrityProof({ signer: key.signer(), cryptosuite });
  return vcLib.issue({ credential: copy, suite, documentLoader: createDocumentLoader() });
}

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer)).id;
});
afterAll(() => t.close());

describe('POST /v1/verify/batch', () => {
  it('gives each item of a mixed batch its own verdict, in order, fetching nothing', async () => {
    const good = await issueCredential(t.app, issuer, achievementId);
    const revoked = await issueCredential(t.app, issuer, achievementId);
    const revoke = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${revoked.id}/revoke`,
      headers: issuer.headers,
      payload: { reason: '수료 기준 미달' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    const tampered = structuredClone(good.credential);
    tampered.credentialSubject.name = '홍길동';
    const foreign = await foreignCredential(good.credential);

    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const res = await batch({
      items: [
        { credential: good.credential },
        { credential: tampered },
        { credential: revoked.credential },
        { credential: foreign },
        { jwt: good.jwt },
        { url: `${PUBLIC}/c/${good.id}` },
        { url: `${PUBLIC}/c/${revoked.id}` },
        { url: `https://elsewhere.example/c/${good.id}` },
        { url: `${PUBLIC}/c/${randomUUID()}` },
        { credential: { hello: 'world' } },
        { jwt: 'not-a-jwt' },
        { credential: good.credential, jwt: good.jwt },
        { credential: good.credential },
      ],
    });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json();
    expect(results).toHaveLength(13);

    const [ok, forged, revokedOne, foreignOne, jwtOne, byUrl, revokedByUrl, notOurs, unknown, notCredential, badJwt, twoKinds, again] = results;
    for (const verdict of [ok, jwtOne, byUrl, again]) {
      expect(verdict).toMatchObject({ verified: true, state: 'verified', pageUrl: good.url });
      expect(checkOf(verdict, 'proof')).toMatchObject({ ok: true, code: 'signature-valid' });
    }
    expect(ok.format).toBe('data-integrity');
    expect(jwtOne.format).toBe('jwt');

    expect(forged).toMatchObject({ verified: false, state: 'invalid' });
    expect(checkOf(forged, 'proof')).toMatchObject({ ok: false, code: 'signature-invalid' });

    for (const verdict of [revokedOne, revokedByUrl]) {
      expect(verdict).toMatchObject({ verified: false, state: 'revoked', statusReason: '수료 기준 미달' });
      expect(checkOf(verdict, 'status')).toMatchObject({ ok: false, code: 'revoked' });
    }

    expect(foreignOne).toMatchObject({ verified: true, state: 'unrecognized-issuer' });
    expect(foreignOne.pageUrl).toBeUndefined();
    expect(checkOf(foreignOne, 'proof')).toMatchObject({ ok: true, code: 'signature-valid' });
    expect(checkOf(foreignOne, 'issuer')).toMatchObject({ ok: false, code: 'issuer-unknown' });

    expect(notOurs).toMatchObject({ status: 400, field: 'items.7.url' });
    expect(notOurs.detail).toMatch(/never fetched/);
    expect(unknown).toMatchObject({ status: 404, field: 'items.8.url' });
    expect(notCredential).toMatchObject({ status: 400, field: 'items.9.credential' });
    expect(badJwt).toMatchObject({ status: 400, field: 'items.10.jwt' });
    expect(twoKinds).toMatchObject({ status: 400, field: 'items.11' });
    for (const entry of [notOurs, unknown, notCredential, badJwt, twoKinds]) expect(entry.verified).toBeUndefined();
  });

  it('verifies a link to a credential secured by its JWT alone as that JWT', async () => {
    const jwtOnly = await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'] });
    const res = await t.app.inject({ method: 'POST', url: '/v1/verify/batch', payload: { items: [{ url: `${PUBLIC}/c/${jwtOnly.id}` }] } });
    const [verdict] = res.json().results;
    expect(verdict).toMatchObject({ verified: true, state: 'verified', format: 'jwt' });
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: true, code: 'signature-valid' });
  });

  it('keeps the order of 100 items verified concurrently', async () => {
    const issued = await Promise.all([0, 1, 2].map(() => issueCredential(t.app, issuer, achievementId)));
    const foreign = await foreignCredential(issued[0]!.credential);
    const items = Array.from({ length: 100 }, (_, i) =>
      i % 4 === 3 ? { credential: foreign } : i % 4 === 2 ? { jwt: issued[i % 3]!.jwt } : { credential: issued[i % 3]!.credential },
    );
    const res = await batch({ items });
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json();
    expect(results).toHaveLength(100);
    results.forEach((verdict: any, i: number) => {
      if (i % 4 === 3) {
        expect(verdict.state).toBe('unrecognized-issuer');
        expect(verdict.credential.id).toBe(foreign.id);
      } else {
        expect(verdict.state).toBe('verified');
        expect(verdict.format).toBe(i % 4 === 2 ? 'jwt' : 'data-integrity');
        expect(verdict.credential.id).toBe(issued[i % 3]!.credential.id);
      }
    });
  });

  it('agrees with the library on 60 credentials of one foreign issuer, half of them altered after signing', async () => {
    // Verification canonicalises a shape through its compiled template once the standard path has
    // agreed with it (src/jsonld/shape-canonizer.ts, checked): every alteration after that must
    // still fail, exactly where the library's own verification fails.
    const { credential: template } = await issueCredential(t.app, issuer, achievementId);
    const { key, did } = await didKeySigner();
    const suite = () => new DataIntegrityProof({ signer: key.signer(), cryptosuite });
    const alterations: ((c: any) => void)[] = [
      (c) => (c.credentialSubject.name = `${c.credentialSubject.name}.`),
      (c) => (c.name = 'Another name'),
      (c) => (c.validFrom = '2020-01-01T00:00:00Z'),
      (c) => (c.credentialSubject.achievement.criteria.narrative += ' '),
      (c) => (c.proof[0].created = '2020-01-01T00:00:00Z'),
      (c) => (c.id = `urn:uuid:${randomUUID()}`),
    ];
    const credentials: any[] = [];
    for (let i = 0; i < 60; i++) {
      const { proof: _proof, credentialStatus: _status, ...copy } = structuredClone(template) as Record<string, any>;
      copy.id = `urn:uuid:${randomUUID()}`;
      copy.issuer = { ...copy.issuer, id: did };
      copy.credentialSubject.name = `학습자 ${i}`;
      const signed: any = await vcLib.issue({ credential: copy, suite: suite(), documentLoader: createDocumentLoader() });
      signed.proof = [signed.proof];
      if (i % 2 === 1) alterations[(i >> 1) % alterations.length]!(signed);
      credentials.push(signed);
    }
    const res = await batch({ items: credentials.map((credential) => ({ credential })) });
    expect(res.statusCode, res.body).toBe(200);
    const method = { id: key.id, type: 'Multikey', controller: did, publicKeyMultibase: key.publicKeyMultibase };
    const didDocument = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [method],
      assertionMethod: [key.id],
    };
    const documentLoader = createDocumentLoader(async (url) =>
      url === did ? didDocument : url === key.id ? { '@context': 'https://w3id.org/security/multikey/v1', ...method } : undefined,
    );
    for (const [i, verdict] of res.json().results.entries()) {
      const library = await vcLib.verifyCredential({ credential: credentials[i], suite: new DataIntegrityProof({ cryptosuite }), documentLoader });
      expect(checkOf(verdict, 'proof').ok, `credential ${i}`).toBe(library.verified);
      expect(library.verified).toBe(i % 2 === 0);
    }
  });

  it('refuses a body that is not a list of 1 to 100 objects, naming items', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const tooMany = await batch({ items: Array.from({ length: 101 }, () => ({ jwt: issued.jwt })) });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ field: 'items' });
    for (const payload of [{ items: [] }, {}, { items: 'x' }, { items: [1] }, { items: [], extra: 1 }]) {
      const res = await batch(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().field).toMatch(/^items|^extra/);
    }
    // 1 MiB at most (src/verify/verify.routes.ts): 413, not a verdict per item.
    const padded = { ...issued.credential, description: 'x'.repeat(20_000) };
    const tooLarge = await batch({ items: Array.from({ length: 60 }, () => ({ credential: padded })) });
    expect(tooLarge.statusCode).toBe(413);
  });
});
