import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, didKeySigner, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { conformanceDir, ob3SchemaErrors, verifyJwtWithDidKey, verifyWithLibrary } from '../helpers/independent-verify.js';

const PUBLIC = 'https://badges.example.kr';
const EMAIL = 'minji.kim@example.com';

let t: TestApp;
let issuer: TestIssuer;
let learnerId: string;
/** The learner's credentials: two that hold, one revoked. */
let kept: { id: string; credential: Record<string, any> }[];
let revokedId: string;
/** The first CLR, issued once and read by most tests. */
let clr: Record<string, any>;

const checkOf = (verdict: any, id: string) => verdict.checks.find((c: any) => c.check === id);
/** Without a payload, a POST with no body at all: every field of the body is optional. */
const postClr = (learner: string, headers: Record<string, string> = issuer.headers, payload?: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: `/v1/learners/${learner}/clr`, headers, ...(payload ? { payload } : {}) });
const verify = (credential: unknown) => t.app.inject({ method: 'POST', url: '/v1/verify', payload: { credential } as any });

async function learnerOf(who: string, as: TestIssuer = issuer): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/credentials?learner=${encodeURIComponent(who)}`, headers: as.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items[0].learner.id;
}

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { slug: 'seoul-women' });
  const course = await createAchievement(t.app, issuer);
  const study = await createAchievement(t.app, issuer, { kind: 'study_group', name: '알고리즘 스터디', description: '주 1회 알고리즘 문제 풀이', hours: 60 });
  const hours = await createAchievement(t.app, issuer, {
    kind: 'training_hours',
    name: '직무교육 이수시간',
    description: '연간 직무교육',
    hours: 30,
    requiredHours: 30,
  });
  const recipient = { name: '김민지', email: EMAIL };
  const first = await issueCredential(t.app, issuer, course.id, {
    recipient,
    creditsEarned: 450,
    activityStartDate: '2026-03-02',
    activityEndDate: '2026-08-28',
  });
  const second = await issueCredential(t.app, issuer, study.id, {
    recipient,
    creditsEarned: 60,
    activityStartDate: '2026-04-01',
    activityEndDate: '2026-06-30',
  });
  const third = await issueCredential(t.app, issuer, hours.id, {
    recipient,
    creditsEarned: 30,
    activityStartDate: '2026-01-05',
    activityEndDate: '2026-12-30',
  });
  const revoked = await t.app.inject({
    method: 'POST',
    url: `/v1/credentials/${third.id}/revoke`,
    headers: issuer.headers,
    payload: { reason: '잘못 발급됨' },
  });
  expect(revoked.statusCode, revoked.body).toBe(200);
  // Someone else at the same institution: never part of her record.
  await issueCredential(t.app, issuer, course.id, { recipient: { name: '이서연', email: 'seoyeon@example.com' }, creditsEarned: 450 });
  kept = [first, second];
  revokedId = third.id;
  learnerId = await learnerOf(EMAIL);

  const res = await postClr(learnerId);
  expect(res.statusCode, res.body).toBe(201);
  clr = res.json();
});
afterAll(() => t.close());

describe('POST /v1/learners/{id}/clr', () => {
  it('answers with the record, what it holds and what it left out', () => {
    expect(clr.url).toBe(`${PUBLIC}/c/${clr.id}`);
    expect(clr.included).toBe(2);
    expect(clr.excluded).toEqual({ revoked: 1, suspended: 0, jwtOnly: 0 });
    expect(clr.totalHours).toBe(510);
    expect(clr.period).toEqual({ from: '2026-03-02', to: '2026-08-28' });
  });

  it('is a CLR 2.0 ClrCredential from the institution, nesting the credentials unchanged', () => {
    const c = clr.credential;
    expect(c['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    ]);
    expect(c.id).toBe(clr.url);
    expect(c.type).toEqual(['VerifiableCredential', 'ClrCredential']);
    expect(c.name).toBe('김민지의 학습 이력 — 서울여성능력개발원');
    expect(c.issuer).toMatchObject({ id: issuer.did, type: ['Profile'], name: '서울여성능력개발원' });
    expect(c.credentialSubject.type).toEqual(['ClrSubject']);
    expect(c.credentialSubject.verifiableCredential).toEqual(kept.map((k) => k.credential));
    expect(c.credentialSubject.verifiableCredential.map((v: any) => v.id)).not.toContain(`${PUBLIC}/c/${revokedId}`);
    expect(c.credentialSubject.achievement.map((a: any) => a.id)).toEqual(kept.map((k) => k.credential.credentialSubject.achievement.id));
    expect(c.credentialSchema).toBeUndefined();
    expect(c.credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(c.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: `${issuer.did}#ed25519-1` });
  });

  it('states total hours and the period in its description', () => {
    expect(clr.credential.description).toBe('서울여성능력개발원에서 받은 자격 2건, 총 510시간, 2026-03-02 ~ 2026-08-28');
  });

  it('names the learner by her salted, hashed e-mail only', () => {
    const subject = clr.credential.credentialSubject;
    expect(subject.id).toBeUndefined();
    const [identity] = subject.identifier;
    expect(identity).toMatchObject({ type: 'IdentityObject', identityType: 'emailAddress', hashed: true });
    expect(identity.identityHash).toBe(
      'sha256$' +
        createHash('sha256')
          .update(EMAIL + identity.salt)
          .digest('hex'),
    );
    // Not in the record, nor in the JWT: the nested credentials carry only hashes too.
    expect(JSON.stringify(clr.credential)).not.toContain(EMAIL);
  });

  it('verifies with @digitalbazaar/vc, status included, and its JWT with jose', async () => {
    const result = await verifyWithLibrary(t.app, PUBLIC, clr.credential);
    expect(result.verified, JSON.stringify(result.error ?? result.results)).toBe(true);
    expect(result.statusResult).toMatchObject({ verified: true, results: [{ verified: true, status: false }] });
    const { header, payload } = await verifyJwtWithDidKey(t.app, clr.jwt);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${issuer.did}#ed25519-1` });
    expect(payload).toMatchObject({ iss: issuer.did, jti: clr.url, type: ['VerifiableCredential', 'ClrCredential'] });
    expect(payload.credentialSubject).toEqual(clr.credential.credentialSubject);
  });

  it('keeps every nested credential verifiable on its own and valid against the OB 3.0 schema', async () => {
    for (const nested of clr.credential.credentialSubject.verifiableCredential) {
      expect(ob3SchemaErrors(nested)).toEqual([]);
      const result = await verifyWithLibrary(t.app, PUBLIC, nested);
      expect(result.verified, JSON.stringify(result.error ?? result.results)).toBe(true);
    }
  });

  it('gives proof ok through POST /v1/verify, as stored and in another key order (full signature check)', async () => {
    const reordered = Object.fromEntries(Object.entries(clr.credential).reverse());
    for (const credential of [clr.credential, reordered]) {
      const res = await verify(credential);
      expect(res.statusCode, res.body).toBe(200);
      const verdict = res.json();
      expect(checkOf(verdict, 'proof')).toMatchObject({ ok: true, code: 'signature-valid' });
      expect(verdict).toMatchObject({ verified: true, state: 'verified' });
    }
  });

  const tampering: [string, (c: any) => void][] = [
    ['the hours of a nested credential', (c) => (c.credentialSubject.verifiableCredential[0].credentialSubject.creditsEarned = 900)],
    ['the achievement of a nested credential', (c) => (c.credentialSubject.verifiableCredential[1].credentialSubject.achievement.name = '데이터 분석가 과정')],
    [
      'the proof of a nested credential',
      (c) => (c.credentialSubject.verifiableCredential[0].proof[0].proofValue = c.credentialSubject.verifiableCredential[1].proof[0].proofValue),
    ],
    ['a nested credential left out', (c) => c.credentialSubject.verifiableCredential.pop()],
    ['the stated hours', (c) => (c.description = c.description.replace('510', '900'))],
  ];
  it.each(tampering)('fails the proof when %s changes', async (_what, change) => {
    const forged = structuredClone(clr.credential);
    change(forged);
    expect((await verifyWithLibrary(t.app, PUBLIC, forged)).verified).toBe(false);
    const verdict = (await verify(forged)).json();
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: false, code: 'signature-invalid' });
    expect(verdict.verified).toBe(false);
  });

  it('leaves out suspended credentials and never nests an earlier CLR', async () => {
    const suspended = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${kept[1]!.id}/suspend`,
      headers: issuer.headers,
      payload: { reason: '이의 신청 검토 중' },
    });
    expect(suspended.statusCode, suspended.body).toBe(200);
    try {
      const res = await postClr(learnerId);
      expect(res.statusCode, res.body).toBe(201);
      const again = res.json();
      expect(again.id).not.toBe(clr.id);
      expect(again.included).toBe(1);
      expect(again.excluded).toEqual({ revoked: 1, suspended: 1, jwtOnly: 0 });
      expect(again.totalHours).toBe(450);
      expect(again.credential.credentialSubject.verifiableCredential.map((v: any) => v.id)).toEqual([kept[0]!.credential.id]);
      expect(again.credential.description).toBe('서울여성능력개발원에서 받은 자격 1건, 총 450시간, 2026-03-02 ~ 2026-08-28');
      expect((await verifyWithLibrary(t.app, PUBLIC, again.credential)).verified).toBe(true);
    } finally {
      await t.app.inject({ method: 'POST', url: `/v1/credentials/${kept[1]!.id}/unsuspend`, headers: issuer.headers, payload: {} });
    }
  });

  it('signs the JWT with RS256 when asked, and names a learner known by DID alone by that DID', async () => {
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const course = await createAchievement(t.app, issuer, { name: 'AI 활용 실무' });
    await issueCredential(t.app, issuer, course.id, { recipient: { name: 'Jane', did }, creditsEarned: 40 });
    const res = await postClr(await learnerOf(did), issuer.headers, { jwtAlgorithm: 'RS256' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.credential.credentialSubject.id).toBe(did);
    expect(body.credential.credentialSubject.identifier).toBeUndefined();
    expect(body.credential.description).toBe('서울여성능력개발원에서 받은 자격 1건, 총 40시간, ' + body.period.from + ' ~ ' + body.period.to);
    const { header, payload } = await verifyJwtWithDidKey(t.app, body.jwt);
    expect(header.alg).toBe('RS256');
    expect(payload.sub).toBe(did);
    expect((await verifyWithLibrary(t.app, PUBLIC, body.credential)).verified).toBe(true);
  });
});

describe('the CLR as a credential of the institution', () => {
  it('has a public page, a QR code and a JSON-LD download', async () => {
    const page = await t.app.inject({ method: 'GET', url: `/c/${clr.id}`, headers: { accept: 'text/html' } });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('김민지의 학습 이력 — 서울여성능력개발원');
    const qr = await t.app.inject({ method: 'GET', url: `/c/${clr.id}/qr.svg` });
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const json = await t.app.inject({ method: 'GET', url: `/c/${clr.id}`, headers: { accept: 'application/ld+json' } });
    expect(json.json()).toEqual(clr.credential);
  });

  it('is revoked like any credential, and the verifier and the status list say so', async () => {
    const res = await postClr(learnerId);
    const other = res.json();
    const revoked = await t.app.inject({ method: 'POST', url: `/v1/credentials/${other.id}/revoke`, headers: issuer.headers, payload: { reason: '재발급' } });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const verdict = (await verify(other.credential)).json();
    expect(verdict).toMatchObject({ verified: false, state: 'revoked' });
    expect(checkOf(verdict, 'proof').ok).toBe(true);
    const result = await verifyWithLibrary(t.app, PUBLIC, other.credential);
    expect(result.statusResult).toMatchObject({ results: [{ status: true }] });
  });
});

describe('refusals', () => {
  it("answers 404 for another institution's learner, as for an unknown one", async () => {
    const other = await createIssuer(t.app);
    const theirs = await postClr(learnerId, other.headers);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(theirs.json().type).toMatch(/not-found$/);
    const unknown = await postClr('6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().type).toMatch(/not-found$/);
  });

  it('answers 400 for a learner id that is not a UUID or an unknown field, 401 without a key, 403 for the operator', async () => {
    const bad = await postClr('not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('id');
    const unknownField = await postClr(learnerId, issuer.headers, { validUntil: '2030-01-01T00:00:00Z' });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json().field).toBe('validUntil');
    expect((await postClr(learnerId, {})).statusCode).toBe(401);
    expect((await postClr(learnerId, admin)).statusCode).toBe(403);
  });

  it('answers 409 when the learner holds nothing valid here', async () => {
    const course = await createAchievement(t.app, issuer, { name: '데이터 리터러시' });
    const only = await issueCredential(t.app, issuer, course.id, { recipient: { name: '박지은', email: 'jieun@example.com' } });
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${only.id}/revoke`, headers: issuer.headers, payload: {} });
    const res = await postClr(await learnerOf('jieun@example.com'));
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toMatch(/conflict$/);
  });
});

describe('the CLR 2.0 context', () => {
  it('verifies the CLR 2.0 sample signed by 1EdTech with the published context (proof ok)', async () => {
    const sample = JSON.parse(readFileSync(path.join(conformanceDir, 'samples', 'clr2-simple-eddsa-rdfc-2022.json'), 'utf8'));
    // The operator registers the sample's issuer with the key its proof names (the multibase is the fragment).
    const proof = sample.proof[0];
    const registered = await t.app.inject({
      method: 'POST',
      url: '/v1/known-issuers',
      headers: admin,
      payload: {
        id: sample.issuer.id,
        name: sample.issuer.name,
        verificationMethods: [{ id: proof.verificationMethod, type: 'Multikey', publicKeyMultibase: proof.verificationMethod.split('#')[1] }],
      },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const verdict = (await verify(sample)).json();
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: true, code: 'signature-valid' });
    expect(checkOf(verdict, 'issuer')).toMatchObject({ ok: true });

    const forged = structuredClone(sample);
    forged.credentialSubject.association[0].associationType = 'isChildOf';
    expect(checkOf((await verify(forged)).json(), 'proof')).toMatchObject({ ok: false, code: 'signature-invalid' });
  });
});

describe('what a CLR nests is verified, each credential on its own', () => {
  it('holds while every nested credential holds; a revoked one inside makes the CLR revoked, naming it', async () => {
    const course = await createAchievement(t.app, issuer, { name: '클라우드 기초' });
    const recipient = { name: '박지현', email: 'jihyun.park@example.com' };
    const first = await issueCredential(t.app, issuer, course.id, { recipient });
    const second = await issueCredential(t.app, issuer, course.id, { recipient });
    const record = (await postClr(await learnerOf(recipient.email))).json();
    const before = (await verify(record.credential)).json();
    expect(before).toMatchObject({ verified: true, state: 'verified' });
    expect(checkOf(before, 'nested')).toMatchObject({ ok: true, code: 'nested-valid' });

    const revoked = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${second.id}/revoke`,
      headers: issuer.headers,
      payload: { reason: '잘못 발급됨' },
    });
    expect(revoked.statusCode).toBe(200);
    const after = (await verify(record.credential)).json();
    expect(checkOf(after, 'proof')).toMatchObject({ ok: true });
    expect(checkOf(after, 'status')).toMatchObject({ ok: true });
    expect(checkOf(after, 'nested')).toMatchObject({ ok: false, code: 'nested-failed' });
    expect(checkOf(after, 'nested').detail).toContain(second.credential.id);
    expect(after).toMatchObject({ verified: false, state: 'revoked' });
    expect(first.credential.id).not.toBe(second.credential.id);
  });

  it('a CLR whose own signature holds but which nests a tampered credential is invalid', async () => {
    const vcLib = await import('@digitalbazaar/vc');
    const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
    const { cryptosuite } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
    const { createDocumentLoader } = await import('../../src/jsonld/document-loader.js');
    const { key, did } = await didKeySigner();
    const { proof: _proof, ...unsigned } = structuredClone(clr.credential);
    unsigned.issuer = { ...unsigned.issuer, id: did };
    unsigned.credentialSubject.verifiableCredential[0].credentialSubject.creditsEarned = 900;
    const resigned = await vcLib.issue({
      credential: unsigned,
      suite: new DataIntegrityProof({ signer: key.signer(), cryptosuite }),
      documentLoader: createDocumentLoader(),
    });
    const verdict = (await verify(resigned)).json();
    expect(checkOf(verdict, 'proof')).toMatchObject({ ok: true });
    expect(checkOf(verdict, 'nested')).toMatchObject({ ok: false, code: 'nested-failed' });
    expect(checkOf(verdict, 'nested').detail).toContain('verifiableCredential[0]');
    expect(verdict).toMatchObject({ verified: false, state: 'invalid' });
  });
});
