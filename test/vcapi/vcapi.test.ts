import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createIssuer, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyWithLibrary } from '../helpers/independent-verify.js';

const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let issuer: TestIssuer;

const obCredential = (did: string, extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: { id: did, type: ['Profile'], name: '서울여성능력개발원' },
  validFrom: '2026-03-01T00:00:00Z',
  name: '데이터 분석 입문',
  credentialSubject: {
    id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
    type: ['AchievementSubject'],
    achievement: { id: 'https://women.seoul.example/achievements/data-101', type: ['Achievement'], name: '데이터 분석 입문', description: '파이썬으로 하는 데이터 분석', criteria: { narrative: '과제 5개 제출' } },
  },
  ...extra,
});

const issue = (body: unknown, headers = issuer.headers) => t.app.inject({ method: 'POST', url: '/credentials/issue', headers, payload: body as any });

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
});
afterAll(() => t.close());

describe('POST /credentials/issue', () => {
  it('signs and stores an OB 3.0 credential, with a status entry when asked, and it can be revoked', async () => {
    const res = await issue({ credential: obCredential(issuer.did), options: { credentialStatus: { type: 'BitstringStatusListEntry' } } });
    expect(res.statusCode, res.body).toBe(201);
    const vc = res.json().verifiableCredential;
    expect(vc.id).toMatch(new RegExp(`^${PUBLIC}/c/`));
    expect(vc.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' });
    expect(vc.credentialStatus.type).toBe('BitstringStatusListEntry');
    expect(ob3SchemaErrors(vc)).toEqual([]);
    expect((await verifyWithLibrary(t.app, PUBLIC, vc)).verified).toBe(true);

    const ok = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: vc } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().verified).toBe(true);

    const revoke = await t.app.inject({ method: 'POST', url: '/credentials/status', headers: issuer.headers, payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] } });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json().state).toBe('revoked');
    const after = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: vc } });
    expect(after.statusCode).toBe(400);
    expect(after.json()).toMatchObject({ verified: false, state: 'revoked' });
    const page = await t.app.inject({ method: 'GET', url: new URL(vc.id).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('취소됨');
  });

  it('signs a plain VC 2.0 credential and keeps its own id', async () => {
    const res = await issue({
      credential: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: 'urn:uuid:6a1a0a3c-4f3b-4d3e-9c1e-2f0f5f0b1c2d',
        type: ['VerifiableCredential'],
        issuer: issuer.did,
        credentialSubject: { id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', name: '김민지' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const vc = res.json().verifiableCredential;
    expect(vc.id).toBe('urn:uuid:6a1a0a3c-4f3b-4d3e-9c1e-2f0f5f0b1c2d');
    expect(vc.validFrom).toBeTruthy();
    expect((await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: vc } })).json().verified).toBe(true);
    const suspend = await t.app.inject({ method: 'POST', url: '/credentials/status', headers: issuer.headers, payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'suspended' }] } });
    expect(suspend.json().state).toBe('suspended');
  });

  const invalid: [string, (did: string) => unknown, string][] = [
    ['the VC 2.0 context not first', (did) => ({ credential: { ...obCredential(did), '@context': ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://www.w3.org/ns/credentials/v2'] } }), 'credential.@context'],
    ['an unknown context', (did) => ({ credential: { ...obCredential(did), '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/ctx.json'] } }), 'credential.@context.1'],
    ['another issuer', () => ({ credential: obCredential('did:web:someone.else') }), 'credential.issuer'],
    ['no VerifiableCredential type', (did) => ({ credential: { ...obCredential(did), type: ['OpenBadgeCredential'] } }), 'credential.type'],
    ['an id that is not a URL', (did) => ({ credential: { ...obCredential(did), id: 'not a url' } }), 'credential.id'],
    ['an empty subject', (did) => ({ credential: { ...obCredential(did), credentialSubject: {} } }), 'credential.credentialSubject'],
    ['a date without a time zone', (did) => ({ credential: { ...obCredential(did), validFrom: '2026-03-01T00:00:00' } }), 'credential.validFrom'],
    ['validUntil before validFrom', (did) => ({ credential: { ...obCredential(did), validUntil: '2020-01-01T00:00:00Z' } }), 'credential.validUntil'],
    ['an undefined term', (did) => ({ credential: { ...obCredential(did), favouriteColour: 'blue' } }), 'credential'],
    ['a proof already', (did) => ({ credential: { ...obCredential(did), proof: { type: 'DataIntegrityProof' } } }), 'credential.proof'],
    ['no credential', () => ({ options: {} }), 'credential'],
  ];
  it.each(invalid)('refuses %s with 400 naming %s', async (_what, body, field) => {
    const before = await t.db.selectFrom('credentials').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const res = await issue(body(issuer.did));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toBe(field);
    const after = await t.db.selectFrom('credentials').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('needs an institution key', async () => {
    expect((await issue({ credential: obCredential(issuer.did) }, {} as any)).statusCode).toBe(401);
  });

  it("cannot change another institution's credential status", async () => {
    const vc = (await issue({ credential: obCredential(issuer.did) })).json().verifiableCredential;
    const other = await createIssuer(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/credentials/status', headers: other.headers, payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] } });
    expect(res.statusCode).toBe(404);
  });
});

describe('POST /presentations/verify', () => {
  it('checks the holder’s proof with challenge and domain, and each credential inside', async () => {
    const vcLib = await import('@digitalbazaar/vc');
    const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
    const { cryptosuite } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
    const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
    const { createDocumentLoader } = await import('../../src/jsonld/document-loader.js');
    const holderKey: any = await Ed25519Multikey.generate();
    const holder = `did:key:${holderKey.publicKeyMultibase}`;
    holderKey.id = `${holder}#${holderKey.publicKeyMultibase}`;
    holderKey.controller = holder;
    const vc = (await issue({ credential: obCredential(issuer.did, { credentialSubject: { ...obCredential(issuer.did).credentialSubject, id: holder } }), options: { credentialStatus: { type: 'BitstringStatusListEntry' } } })).json().verifiableCredential;
    const presentation = vcLib.createPresentation({ verifiableCredential: [vc], holder });
    presentation['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    const suite = new DataIntegrityProof({ signer: holderKey.signer(), cryptosuite });
    const signed = await vcLib.signPresentation({ presentation, suite, challenge: 'job-application-42', domain: 'recruit.example.kr', documentLoader: createDocumentLoader() });
    const post = (options: Record<string, string>, vp = signed) => t.app.inject({ method: 'POST', url: '/presentations/verify', payload: { verifiablePresentation: vp, options } });

    const ok = await post({ challenge: 'job-application-42', domain: 'recruit.example.kr' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ verified: true, holder, checks: [{ ok: true }], credentials: [{ verified: true }] });
    expect((await post({ challenge: 'another-challenge', domain: 'recruit.example.kr' })).statusCode).toBe(400);
    expect((await post({ challenge: 'job-application-42', domain: 'phish.example' })).statusCode).toBe(400);
    expect((await post({})).json().checks[0].code).toBe('no-challenge');
    const tampered = structuredClone(signed);
    tampered.holder = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    expect((await post({ challenge: 'job-application-42', domain: 'recruit.example.kr' }, tampered)).json().verified).toBe(false);
    const revoke = await t.app.inject({ method: 'POST', url: '/credentials/status', headers: issuer.headers, payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] } });
    expect(revoke.statusCode).toBe(200);
    const afterRevoke = await post({ challenge: 'job-application-42', domain: 'recruit.example.kr' });
    expect(afterRevoke.statusCode).toBe(400);
    expect(afterRevoke.json()).toMatchObject({ verified: false, checks: [{ ok: true }], credentials: [{ state: 'revoked' }] });
  });
});
