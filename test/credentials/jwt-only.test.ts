/**
 * Credentials secured by their JWT alone (`securing: ['jwt']`): no Data Integrity proof, the JWT is
 * what verifies, is shown on the page and is baked into the badge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { unbakePng, unbakeSvg } from '../../src/badges/baking.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyJwtWithDidKey } from '../helpers/independent-verify.js';

let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { slug: 'jwt-centre' });
  achievementId = (await createAchievement(t.app, issuer)).id;
});
afterAll(() => t.close());

const verify = (payload: unknown) => t.app.inject({ method: 'POST', url: '/v1/verify', payload: payload as any });
const checkOf = (verdict: any, name: string) => verdict.checks.find((c: any) => c.check === name);

describe("securing: ['jwt']", () => {
  it('issues a JWT that jose verifies with the DID document, an OB 3.0 credential, and no proof', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, {
      securing: ['jwt'],
      recipient: { name: '최유나 "Yuna" 🌱', email: 'yuna@example.com' },
    });
    expect(issued.credential.proof).toBeUndefined();
    const { header, payload } = await verifyJwtWithDidKey(t.app, issued.jwt);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'vc+jwt' });
    expect(payload).toMatchObject({ iss: issued.credential.issuer.id, jti: issued.credential.id });
    const { iss: _iss, jti: _jti, nbf: _nbf, sub: _sub, exp: _exp, ...credential } = payload as Record<string, unknown>;
    expect(credential).toEqual(issued.credential);
    expect(ob3SchemaErrors(credential)).toEqual([]);

    const read = await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: issuer.headers });
    expect(read.json()).toMatchObject({ jwt: issued.jwt, credential: issued.credential });
  });

  it('signs RS256 JWTs alone too', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, {
      securing: ['jwt'],
      jwtAlgorithm: 'RS256',
      recipient: { name: 'R', email: 'rs@example.com' },
    });
    expect((await verifyJwtWithDidKey(t.app, issued.jwt)).header.alg).toBe('RS256');
  });

  it('verifies as a JWT, and its JSON alone is not accepted as a credential', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'], recipient: { name: 'V', email: 'v@example.com' } });
    const byJwt = (await verify({ jwt: issued.jwt })).json();
    expect(byJwt).toMatchObject({ verified: true, format: 'jwt' });
    const byJson = (await verify({ credential: issued.credential })).json();
    expect(byJson.verified).toBe(false);
    expect(checkOf(byJson, 'proof').ok).toBe(false);
    const tampered = issued.jwt.replace(
      /\.([^.]+)\./,
      (_m, p: string) => `.${Buffer.from(Buffer.from(p, 'base64url').toString().replace('"V"', '"W"')).toString('base64url')}.`,
    );
    const verdict = (await verify({ jwt: tampered })).json();
    expect(verdict.verified).toBe(false);
    expect(verdict.checks.find((c: { check: string }) => c.check === 'proof')).toMatchObject({ ok: false, code: 'signature-invalid' });
  });

  it('has a page that verifies it by its JWT, offers the JWT and bakes the JWT into the badges', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'], recipient: { name: '한지민', email: 'jimin@example.com' } });
    const page = await t.app.inject({ method: 'GET', url: `/c/${issued.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-state="verified"');
    expect(page.body).toContain(`/c/${issued.id}/credential.jwt`);
    expect(page.body).not.toContain(`/c/${issued.id}/credential.json`);

    const json = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/credential.json` });
    expect(json.statusCode).toBe(404);
    expect(json.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(json.json().detail).toContain('credential.jwt');
    const ld = await t.app.inject({ method: 'GET', url: `/c/${issued.id}`, headers: { accept: 'application/ld+json' } });
    expect(ld.statusCode).toBe(404);

    expect((await t.app.inject({ method: 'GET', url: `/c/${issued.id}/credential.jwt` })).body).toBe(issued.jwt);
    const png = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/badge.png` });
    expect(unbakePng(png.rawPayload)).toBe(issued.jwt);
    const svg = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/badge.svg` });
    expect(unbakeSvg(svg.body)).toBe(issued.jwt);
    // An employer dropping the baked badge on the verify route gets the verdict of the JWT.
    const dropped = await t.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'image/png' }, payload: png.rawPayload });
    expect(dropped.json()).toMatchObject({ verified: true, format: 'jwt' });
  });

  it('shows a revocation on the page and in the verdict', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'], recipient: { name: 'X', email: 'revoked@example.com' } });
    const revoke = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${issued.id}/revoke`,
      headers: issuer.headers,
      payload: { reason: '착오 발급' },
    });
    expect(revoke.statusCode).toBe(200);
    const verdict = (await verify({ jwt: issued.jwt })).json();
    expect(verdict.verified).toBe(false);
    expect(checkOf(verdict, 'status').ok).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: `/c/${issued.id}` })).body).toContain('data-state="revoked"');
  });

  it("is verified by its JWT on the institution's own re-verify route", async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'], recipient: { name: 'Re', email: 're@example.com' } });
    const verdict = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}/verify`, headers: issuer.headers })).json();
    expect(verdict).toMatchObject({ verified: true, format: 'jwt' });
  });

  it('is left out of a CLR, which nests signed JSON-LD only, and counted as left out', async () => {
    const learnerEmail = 'clr-mixed@example.com';
    const signed = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '혼합', email: learnerEmail } });
    await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'], recipient: { name: '혼합', email: learnerEmail } });
    const learner = await t.db.selectFrom('learners').select('id').where('email', '=', learnerEmail).executeTakeFirstOrThrow();
    const clr = await t.app.inject({ method: 'POST', url: `/v1/learners/${learner.id}/clr`, headers: issuer.headers, payload: {} });
    expect(clr.statusCode, clr.body).toBe(201);
    expect(clr.json()).toMatchObject({ included: 1, excluded: { revoked: 0, suspended: 0, jwtOnly: 1 } });
    const nested = clr.json().credential.credentialSubject.verifiableCredential;
    expect(nested.map((c: any) => c.id)).toEqual([signed.credential.id]);

    const onlyJwt = 'clr-jwt@example.com';
    await issueCredential(t.app, issuer, achievementId, { securing: ['jwt'], recipient: { name: 'JWT', email: onlyJwt } });
    const other = await t.db.selectFrom('learners').select('id').where('email', '=', onlyJwt).executeTakeFirstOrThrow();
    const refused = await t.app.inject({ method: 'POST', url: `/v1/learners/${other.id}/clr`, headers: issuer.headers, payload: {} });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toContain('JWT alone 1');
  });

  it('refuses a securing that names no JWT, repeats itself or is unknown, naming the field', async () => {
    for (const securing of [['data-integrity'], ['jwt', 'jwt'], ['x509'], [], 'paper']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/credentials',
        headers: issuer.headers,
        payload: { achievementId, recipient: { name: 'a', email: 'a@example.com' }, securing } as any,
      });
      expect(res.statusCode, JSON.stringify(securing)).toBe(400);
      expect(res.json().detail, JSON.stringify(securing)).toContain('securing');
    }
    expect(await t.db.selectFrom('learners').select('id').where('email', '=', 'a@example.com').execute()).toEqual([]);
  });
});

describe('a batch secured by JWTs alone', () => {
  it('applies the batch securing to rows that do not choose, and a row may ask for both', async () => {
    const items = [
      { recipient: { name: '가', email: 'ga@example.com' } },
      { recipient: { name: '나', email: 'na@example.com' }, securing: ['data-integrity', 'jwt'] },
      { recipient: { name: '다', email: 'da@example.com' }, jwtAlgorithm: 'RS256' },
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: issuer.headers,
      payload: { achievementId, securing: ['jwt'], items },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().issued).toBe(3);
    const read = await Promise.all(
      res.json().results.map((r: any) => t.app.inject({ method: 'GET', url: `/v1/credentials/${r.id}`, headers: issuer.headers }).then((x) => x.json())),
    );
    expect(read.map((r) => Array.isArray(r.credential.proof))).toEqual([false, true, false]);
    for (const r of read) {
      const { payload, header } = await verifyJwtWithDidKey(t.app, r.jwt);
      expect(payload.jti).toBe(r.credential.id);
      expect(header.alg).toBe(r.credential.credentialSubject.name === '다' ? 'RS256' : 'EdDSA');
    }
    expect((await verify({ credential: read[1].credential })).json().verified).toBe(true);
  });

  it('takes ?securing=jwt with CSV', async () => {
    const csv = 'name,email\n라,ra@example.com\n마,ma@example.com\n';
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/batch?achievementId=${achievementId}&securing=jwt`,
      headers: { ...issuer.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    for (const r of res.json().results) {
      const got = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${r.id}`, headers: issuer.headers })).json();
      expect(got.credential.proof).toBeUndefined();
      expect(decodeJwt(got.jwt).jti).toBe(got.credential.id);
    }
    const bad = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/batch?achievementId=${achievementId}&securing=paper`,
      headers: { ...issuer.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(bad.statusCode).toBe(400);
  });
});
