import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { conformanceDir } from '../helpers/independent-verify.js';

let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;

const sample = (name: string) => JSON.parse(readFileSync(path.join(conformanceDir, 'samples', name), 'utf8'));
const checkOf = (verdict: any, id: string) => verdict.checks.find((c: any) => c.check === id);

async function verify(body: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/verify', payload: body as any, headers });
  return res;
}

/** The operator registers each sample's issuer with the key its proof names (the multibase is the fragment). */
async function registerSampleIssuer(credential: any) {
  const proof = [].concat(credential.proof)[0] as any;
  const issuerId = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer.id;
  const fragment = proof.verificationMethod.split('#')[1];
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/known-issuers',
    headers: admin,
    payload: {
      id: issuerId,
      name: credential.issuer.name ?? 'Sample issuer',
      verificationMethods: [{ id: proof.verificationMethod, type: 'Multikey', publicKeyMultibase: fragment }],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer)).id;
});
afterAll(() => t.close());

describe('our own credentials', () => {
  it('verifies a fresh credential as JSON-LD, as a JWT body and as a raw application/vc+jwt', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    for (const res of [
      await verify({ credential: issued.credential }),
      await verify({ jwt: issued.jwt }),
      await verify(issued.jwt, { 'content-type': 'application/vc+jwt' }),
    ]) {
      expect(res.statusCode, res.body).toBe(200);
      const verdict = res.json();
      expect(verdict).toMatchObject({ verified: true, state: 'verified' });
      expect(verdict.checks.map((c: any) => c.check)).toEqual(['proof', 'status', 'validity', 'schema', 'issuer']);
      expect(verdict.checks.every((c: any) => c.ok === true)).toBe(true);
      expect(verdict.credential).toMatchObject({
        issuer: { id: issuer.did, name: '서울여성능력개발원', recognized: true },
        achievement: { name: '백엔드 개발자 입문과정' },
        recipient: { name: '김민지', hashedEmail: true },
      });
    }
  });

  it('checks the signature itself when the document differs in form from the stored one', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    // Same content, keys in another order: not byte-identical, so the full path runs.
    const reordered = Object.fromEntries(Object.entries(issued.credential).reverse());
    const verdict = (await verify({ credential: reordered })).json();
    expect(verdict.verified).toBe(true);
  });

  const tampering: [string, (c: any) => void][] = [
    ['the learner name', (c) => (c.credentialSubject.name = '홍길동')],
    ['the achievement', (c) => (c.credentialSubject.achievement.name = '데이터 분석가 과정')],
    ['the hours', (c) => (c.credentialSubject.achievement.creditsAvailable = 900)],
    ['the issuer name', (c) => (c.issuer.name = 'Fake University')],
    ['one character of the proof', (c) => (c.proof[0].proofValue = c.proof[0].proofValue.replace(/.$/, (ch: string) => (ch === 'a' ? 'b' : 'a')))],
  ];
  it.each(tampering)('fails the proof when %s changes', async (_what, change) => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const forged = structuredClone(issued.credential);
    change(forged);
    const verdict = (await verify({ credential: forged })).json();
    expect(verdict.verified).toBe(false);
    expect(verdict.state).toBe('invalid');
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: false, code: 'signature-invalid' });
  });

  it('fails a JWT whose payload or header was changed', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    const [h, p, s] = issued.jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.credentialSubject.name = '홍길동';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    expect((await verify({ jwt: forged })).json()).toMatchObject({ verified: false, state: 'invalid' });
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
    const none = [Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url'), p, ''].join('.');
    expect(checkOf((await verify({ jwt: none })).json(), 'proof')).toMatchObject({ ok: false, code: 'unsupported-proof' });
    const hs = [Buffer.from(JSON.stringify({ ...header, alg: 'HS256' })).toString('base64url'), p, s].join('.');
    expect(checkOf((await verify({ jwt: hs })).json(), 'proof')).toMatchObject({ ok: false });
  });

  it('reports revoked with the reason at once (a verdict just before does not linger), then the public list agrees', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    expect((await verify({ credential: issued.credential })).json().verified).toBe(true);
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/revoke`, headers: issuer.headers, payload: { reason: '수료 기준 미달로 확인됨' } });
    for (const body of [{ credential: issued.credential }, { jwt: issued.jwt }]) {
      const verdict = (await verify(body)).json();
      expect(verdict).toMatchObject({ verified: false, state: 'revoked', statusReason: '수료 기준 미달로 확인됨' });
      expect(checkOf(verdict, 'status')).toMatchObject({ ok: false, code: 'revoked' });
      expect(checkOf(verdict, 'proof').ok).toBe(true);
    }
    const again = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}/verify`, headers: issuer.headers })).json();
    expect(again.state).toBe('revoked');
  });

  it('reports suspended, and verified again after the suspension is lifted', async () => {
    const issued = await issueCredential(t.app, issuer, achievementId);
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/suspend`, headers: issuer.headers, payload: { reason: '이의 신청 검토 중' } });
    expect((await verify({ credential: issued.credential })).json()).toMatchObject({ verified: false, state: 'suspended' });
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/unsuspend`, headers: issuer.headers, payload: {} });
    expect((await verify({ credential: issued.credential })).json()).toMatchObject({ verified: true, state: 'verified' });
  });

  it('reports expired and not yet valid from the validity window', async () => {
    const expired = await issueCredential(t.app, issuer, achievementId, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' });
    expect((await verify({ credential: expired.credential })).json()).toMatchObject({ verified: false, state: 'expired' });
    // validFrom may be up to a year ahead (src/dates.ts).
    const future = await issueCredential(t.app, issuer, achievementId, {
      validFrom: new Date(Date.now() + 180 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const verdict = (await verify({ credential: future.credential })).json();
    expect(verdict).toMatchObject({ verified: false, state: 'not-yet-valid' });
    expect(checkOf(verdict, 'proof').ok).toBe(true);
  });

  it('keeps verifying credentials signed before a key rotation', async () => {
    const local = await createIssuer(t.app);
    const ach = await createAchievement(t.app, local);
    const before = await issueCredential(t.app, local, ach.id);
    await t.app.inject({ method: 'POST', url: `/v1/issuers/${local.slug}/keys/rotate`, headers: local.headers });
    const reordered = Object.fromEntries(Object.entries(before.credential).reverse());
    expect((await verify({ credential: reordered })).json().verified).toBe(true);
    expect((await verify({ jwt: before.jwt })).json().verified).toBe(true);
    // A credential signed right after the rotation verifies at once, though the old document was just read.
    const after = await issueCredential(t.app, local, ach.id);
    expect((await verify({ jwt: after.jwt })).json().verified).toBe(true);
  });

  it("rejects a credential re-signed claiming another issuer's identity", async () => {
    const mallory = await createIssuer(t.app);
    const malloryAchievement = await createAchievement(t.app, mallory);
    const theirs = await issueCredential(t.app, mallory, malloryAchievement.id);
    const forged = structuredClone(theirs.credential);
    forged.issuer = { ...forged.issuer, id: issuer.did };
    const verdict = (await verify({ credential: forged })).json();
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: false });
  });
});

describe('credentials signed by others (1EdTech samples)', () => {
  it('refuses a signature from an unregistered issuer as unknown key, without fetching', async () => {
    const verdict = (await verify({ credential: sample('ob3-simple-eddsa-rdfc-2022.json') })).json();
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: false, code: 'unknown-key' });
    expect(verdict.credential.issuer.recognized).toBe(false);
  });

  it.each([
    ['ob3-simple-eddsa-rdfc-2022.json', 'schema-valid'],
    ['ob3-endorsement-eddsa-rdfc-2022.json', 'schema-valid'],
  ])('verifies %s once its issuer is registered', async (file, schemaCode) => {
    const credential = sample(file);
    await registerSampleIssuer(credential);
    const verdict = (await verify({ credential })).json();
    expect(checkOf(verdict, 'proof'), JSON.stringify(verdict.checks)).toMatchObject({ ok: true });
    expect(checkOf(verdict, 'issuer').ok).toBe(true);
    expect(checkOf(verdict, 'schema').code).toBe(schemaCode);
    // Verified on a fixed day inside every sample's validity (the endorsement sample ends on
    // 2030-01-01), so that the assertion holds whatever day the suite runs; today's answer is
    // verified, or expired once the sample has ended.
    expect((await t.app.services.verify.verify({ credential }, new Date('2026-01-01T00:00:00Z'))).verified).toBe(true);
    const ended = credential.validUntil !== undefined && Date.parse(credential.validUntil) <= Date.now();
    expect(verdict.state).toBe(ended ? 'expired' : 'verified');
  });

  it('verifies the CLR 2.0 sample (its context is bundled, never fetched), and each credential it nests', async () => {
    const credential = sample('clr2-simple-eddsa-rdfc-2022.json');
    await registerSampleIssuer(credential);
    // The nested credential has an issuer of its own: until it is registered, the CLR does not hold.
    const before = (await verify({ credential })).json();
    expect(checkOf(before, 'proof')).toMatchObject({ ok: true, code: 'signature-valid' });
    expect(checkOf(before, 'nested')).toMatchObject({ ok: false, code: 'nested-failed' });
    expect(checkOf(before, 'nested').detail).toContain('is not one of ours nor registered');
    expect(before).toMatchObject({ verified: false, state: 'invalid' });
    for (const nested of credential.credentialSubject.verifiableCredential) await registerSampleIssuer(nested);
    const verdict = (await verify({ credential })).json();
    expect(checkOf(verdict, 'nested')).toMatchObject({ ok: true, code: 'nested-valid' });
    expect(verdict.verified).toBe(true);
  });

  it('reports the bitstring sample revoked once its list is registered, undetermined before', async () => {
    const credential = sample('ob3-bitstring-revoked.json');
    await registerSampleIssuer(credential);
    const before = (await verify({ credential })).json();
    expect(checkOf(before, 'status')).toMatchObject({ ok: null, code: 'status-unknown' });
    expect(before).toMatchObject({ verified: false, state: 'undetermined' });
    const list = sample('ob3-bitstring-testlist.json');
    // The list was downloaded from the URL the credential names; its own id differs, so the operator says where it came from.
    const url = credential.credentialStatus.statusListCredential;
    const registered = await t.app.inject({ method: 'POST', url: '/v1/known-status-lists', headers: admin, payload: { credential: list, url } });
    expect(registered.statusCode, registered.body).toBe(201);
    const after = (await verify({ credential })).json();
    expect(checkOf(after, 'proof').ok).toBe(true);
    expect(after).toMatchObject({ verified: false, state: 'revoked' });
    // A forged list (its signature broken) is not accepted into the registry.
    const forged = structuredClone(list);
    forged.credentialSubject.encodedList = forged.credentialSubject.encodedList.replace(/A/, 'B');
    const refused = await t.app.inject({ method: 'POST', url: '/v1/known-status-lists', headers: admin, payload: { credential: forged, url } });
    expect(refused.statusCode).toBe(400);
  });

  it('fails every sample when one character of a signed field changes', async () => {
    for (const file of [
      'ob3-simple-eddsa-rdfc-2022.json',
      'ob3-endorsement-eddsa-rdfc-2022.json',
      'clr2-simple-eddsa-rdfc-2022.json',
      'ob3-bitstring-revoked.json',
    ]) {
      const credential = sample(file);
      await registerSampleIssuer(credential);
      const changed = structuredClone(credential);
      changed.name = String(changed.name ?? '') + 'x';
      const verdict = (await verify({ credential: changed })).json();
      expect(checkOf(verdict, 'proof').ok, file).toBe(false);
      expect(verdict.verified).toBe(false);
    }
  });

  it('refuses a credential whose context it does not know', async () => {
    const credential = sample('ob3-simple-eddsa-rdfc-2022.json');
    credential['@context'].push('https://attacker.example/context.json');
    const verdict = (await verify({ credential })).json();
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: false, code: 'unknown-context' });
  });
});

describe('what is not a credential at all', () => {
  it.each([
    [{ credential: { hello: 'world' } }, 'credential'],
    [{ credential: { '@context': [], type: ['Thing'] } }, 'credential'],
    [{ jwt: 'not.a.jwt' }, 'jwt'],
    // Neither: the first of the two it needs (the problem's errors list both).
    [{}, 'credential'],
    [{ credential: {}, jwt: 'x' }, 'body'],
  ])('%o → 400 naming %s', async (body, field) => {
    const res = await verify(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.json().field).toBe(field);
  });
});

describe('the registry is the operator’s', () => {
  it('needs the operator token and can be listed and emptied', async () => {
    const body = {
      id: 'did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi',
      name: 'x',
      verificationMethods: [
        {
          id: 'did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi',
          type: 'Multikey',
          publicKeyMultibase: 'z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi',
        },
      ],
    };
    expect((await t.app.inject({ method: 'POST', url: '/v1/known-issuers', headers: issuer.headers, payload: body })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/known-issuers', payload: body })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/v1/known-issuers', headers: admin, payload: body })).statusCode).toBe(201);
    const list = (await t.app.inject({ method: 'GET', url: '/v1/known-issuers', headers: admin })).json();
    expect(list.items.map((i: any) => i.id)).toContain(body.id);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/known-issuers/${encodeURIComponent(body.id)}`, headers: admin });
    expect(del.statusCode).toBe(204);
    const wrongKey = await t.app.inject({
      method: 'POST',
      url: '/v1/known-issuers',
      headers: admin,
      payload: { ...body, verificationMethods: [{ ...body.verificationMethods[0], id: 'did:key:other#k' }] },
    });
    expect(wrongKey.statusCode).toBe(400);
  });
});
