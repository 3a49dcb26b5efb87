import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createIssuer, didKeySigner, type TestIssuer } from '../helpers/fixtures.js';
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
    achievement: {
      id: 'https://women.seoul.example/achievements/data-101',
      type: ['Achievement'],
      name: '데이터 분석 입문',
      description: '파이썬으로 하는 데이터 분석',
      criteria: { narrative: '과제 5개 제출' },
    },
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

    const revoke = await t.app.inject({
      method: 'POST',
      url: '/credentials/status',
      headers: issuer.headers,
      payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
    });
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
    const suspend = await t.app.inject({
      method: 'POST',
      url: '/credentials/status',
      headers: issuer.headers,
      payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'suspended' }] },
    });
    expect(suspend.json().state).toBe('suspended');
  });

  const invalid: [string, (did: string) => unknown, string][] = [
    [
      'the VC 2.0 context not first',
      (did) => ({
        credential: {
          ...obCredential(did),
          '@context': ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://www.w3.org/ns/credentials/v2'],
        },
      }),
      'credential.@context',
    ],
    [
      'an unknown context',
      (did) => ({ credential: { ...obCredential(did), '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/ctx.json'] } }),
      'credential.@context.1',
    ],
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
    const before = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await issue(body(issuer.did));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toBe(field);
    const after = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('needs an institution key', async () => {
    expect((await issue({ credential: obCredential(issuer.did) }, {} as any)).statusCode).toBe(401);
  });

  it("cannot change another institution's credential status", async () => {
    const vc = (await issue({ credential: obCredential(issuer.did) })).json().verifiableCredential;
    const other = await createIssuer(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/credentials/status',
      headers: other.headers,
      payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('POST /presentations/verify', () => {
  it('checks the holder’s proof with challenge and domain, and each credential inside', async () => {
    const vcLib = await import('@digitalbazaar/vc');
    const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
    const { cryptosuite } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
    const { createDocumentLoader } = await import('../../src/jsonld/document-loader.js');
    const { key: holderKey, did: holder } = await didKeySigner();
    const vc = (
      await issue({
        credential: obCredential(issuer.did, { credentialSubject: { ...obCredential(issuer.did).credentialSubject, id: holder } }),
        options: { credentialStatus: { type: 'BitstringStatusListEntry' } },
      })
    ).json().verifiableCredential;
    const presentation = vcLib.createPresentation({ verifiableCredential: [vc], holder });
    presentation['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    const suite = new DataIntegrityProof({ signer: holderKey.signer(), cryptosuite });
    const signed = await vcLib.signPresentation({
      presentation,
      suite,
      challenge: 'job-application-42',
      domain: 'recruit.example.kr',
      documentLoader: createDocumentLoader(),
    });
    const post = (options: Record<string, string>, vp = signed) =>
      t.app.inject({ method: 'POST', url: '/presentations/verify', payload: { verifiablePresentation: vp, options } });

    const ok = await post({ challenge: 'job-application-42', domain: 'recruit.example.kr' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ verified: true, holder, checks: [{ ok: true }], credentials: [{ verified: true }] });
    expect((await post({ challenge: 'another-challenge', domain: 'recruit.example.kr' })).statusCode).toBe(400);
    expect((await post({ challenge: 'job-application-42', domain: 'phish.example' })).statusCode).toBe(400);
    expect((await post({})).json().checks[0].code).toBe('no-challenge');
    const tampered = structuredClone(signed);
    tampered.holder = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    expect((await post({ challenge: 'job-application-42', domain: 'recruit.example.kr' }, tampered)).json().verified).toBe(false);
    const revoke = await t.app.inject({
      method: 'POST',
      url: '/credentials/status',
      headers: issuer.headers,
      payload: { credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
    });
    expect(revoke.statusCode).toBe(200);
    const afterRevoke = await post({ challenge: 'job-application-42', domain: 'recruit.example.kr' });
    expect(afterRevoke.statusCode).toBe(400);
    expect(afterRevoke.json()).toMatchObject({ verified: false, checks: [{ ok: true }], credentials: [{ state: 'revoked' }] });
  });
});

const V2 = 'https://www.w3.org/ns/credentials/v2';
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2';
/** An inline context (VC-DM 2.0 §4.3): processed locally, never fetched. */
const ALUMNI = { AlumniCredential: 'https://example.org/#AlumniCredential', alumniOf: 'https://example.org/#alumniOf' };
const plain = (did: string, extra: Record<string, unknown> = {}) => ({
  '@context': [V2, EXAMPLES],
  type: ['VerifiableCredential'],
  issuer: did,
  credentialSubject: { id: 'did:example:subject', name: '김민지' },
  ...extra,
});
/** The W3C VC-DM 2.0 test suite's relatedResource fixture: the base context's published digests. */
const BASE_SRI = 'sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg';
const BASE_MULTIBASE = 'uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k';

describe('POST /credentials/issue: what the W3C suites send', () => {
  const accepted: [string, (did: string) => Record<string, unknown>][] = [
    ['the examples context', (did) => plain(did, { type: ['VerifiableCredential', 'ExampleDegreeCredential'] })],
    [
      'an inline context',
      (did) => ({
        '@context': [V2, ALUMNI],
        type: ['VerifiableCredential', 'AlumniCredential'],
        issuer: did,
        credentialSubject: { id: 'did:example:subject', alumniOf: 'The School of Examples' },
      }),
    ],
    [
      'an inline context wrapped in @context, with a prefix',
      (did) => ({
        '@context': [V2, { '@context': { ...ALUMNI, ex: 'https://example.org/#', page: { '@id': 'ex:page', '@type': '@id' } } }],
        type: ['VerifiableCredential', 'AlumniCredential'],
        issuer: did,
        credentialSubject: { alumniOf: 'The School of Examples', page: 'ex:alumni' },
      }),
    ],
    [
      'termsOfUse, evidence, refreshService and credentialSchema with types',
      (did) =>
        plain(did, {
          termsOfUse: { type: 'IssuerPolicy', id: 'https://example.org/policies/1' },
          evidence: [{ type: 'DocumentVerification' }, { type: 'DocumentVerification' }],
          refreshService: { type: 'ManualRefreshService2018', id: 'https://example.org/refresh/1' },
          credentialSchema: { type: 'JsonSchema', id: 'https://example.org/schemas/1' },
        }),
    ],
    [
      'relatedResource with the base context’s published digests',
      (did) =>
        plain(did, {
          relatedResource: [
            { id: V2, digestSRI: BASE_SRI, mediaType: 'application/ld+json' },
            { id: 'https://example.org/terms.pdf', digestMultibase: BASE_MULTIBASE },
          ],
        }),
    ],
  ];
  it.each(accepted)('issues a credential with %s, and the reference library verifies it', async (_what, credential) => {
    const res = await issue({ credential: credential(issuer.did) });
    expect(res.statusCode, res.body).toBe(201);
    const vc = res.json().verifiableCredential;
    const library = await verifyWithLibrary(t.app, PUBLIC, vc);
    expect(library.verified, JSON.stringify(library.error ?? library.results?.[0]?.error)).toBe(true);
    const ours = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: vc } });
    expect(ours.json().verified).toBe(true);
  });

  it('issues a credential with its own credentialStatus of another type: the signature holds, the status is the caller’s', async () => {
    const res = await issue({ credential: plain(issuer.did, { credentialStatus: { type: 'CredentialStatusList2017', id: 'https://example.org/status/1' } }) });
    expect(res.statusCode, res.body).toBe(201);
    const vc = res.json().verifiableCredential;
    expect(vc.credentialStatus).toEqual({ type: 'CredentialStatusList2017', id: 'https://example.org/status/1' });
    // The library checks the proof, then fails the status it cannot read (as it should).
    const library = await verifyWithLibrary(t.app, PUBLIC, vc);
    expect(library.results?.[0]?.verified).toBe(true);
  });

  it('signs a VC 1.1 credential (issuanceDate added) on this route, and the library verifies it', async () => {
    const res = await issue({
      credential: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        id: 'urn:uuid:86294362-4254-4f36-854f-3952fe42555d',
        type: ['VerifiableCredential'],
        issuer: issuer.did,
        credentialSubject: { id: 'did:example:subject' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const vc = res.json().verifiableCredential;
    expect(vc['@context']).toEqual(['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/data-integrity/v2']);
    expect(vc.issuanceDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(vc.validFrom).toBeUndefined();
    expect(vc.proof[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' });
    const library = await verifyWithLibrary(t.app, PUBLIC, vc);
    expect(library.verified, JSON.stringify(library.error)).toBe(true);
    const ours = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: vc } });
    expect(ours.json()).toMatchObject({ verified: true, credential: { validFrom: vc.issuanceDate } });
  });

  const forbidden: [string, (did: string) => unknown, string][] = [
    [
      'credentialSchema without type',
      (did) => ({ credential: plain(did, { credentialSchema: { id: 'https://example.org/schemas/1' } }) }),
      'credential.credentialSchema.0.type',
    ],
    ['credentialSchema without id', (did) => ({ credential: plain(did, { credentialSchema: { type: 'JsonSchema' } }) }), 'credential.credentialSchema.0.id'],
    [
      'refreshService without type',
      (did) => ({ credential: plain(did, { refreshService: { id: 'https://example.org/refresh/1' } }) }),
      'credential.refreshService.0.type',
    ],
    [
      'termsOfUse without type (a 500 before)',
      (did) => ({ credential: plain(did, { termsOfUse: { id: 'https://example.org/terms/1' } }) }),
      'credential.termsOfUse.0.type',
    ],
    ['termsOfUse as an empty object', (did) => ({ credential: plain(did, { termsOfUse: {} }) }), 'credential.termsOfUse.0.type'],
    [
      'evidence without type (a 500 before)',
      (did) => ({ credential: plain(did, { evidence: [{ type: 'DocumentVerification' }, { id: 'https://example.org/evidence/2' }] }) }),
      'credential.evidence.1.type',
    ],
    ['evidence that is a string', (did) => ({ credential: plain(did, { evidence: 'https://example.org/evidence/1' }) }), 'credential.evidence.0'],
    [
      'credentialStatus without type',
      (did) => ({ credential: plain(did, { credentialStatus: { id: 'https://example.org/status/1' } }) }),
      'credential.credentialStatus.0.type',
    ],
    [
      'credentialStatus with a type that is not a term',
      (did) => ({ credential: plain(did, { credentialStatus: { type: 2 } }) }),
      'credential.credentialStatus.0.type',
    ],
    [
      'credentialStatus with two ids',
      (did) => ({ credential: plain(did, { credentialStatus: { type: 'StatusList', id: ['https://example.org/s/1', 'https://example.org/s/2'] } }) }),
      'credential.credentialStatus.0.id',
    ],
    [
      'credentialStatus on our own lists',
      (did) => ({
        credential: plain(did, {
          credentialStatus: {
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '7',
            statusListCredential: `${PUBLIC}/status/00000000-0000-4000-8000-000000000000`,
          },
        }),
      }),
      'credential.credentialStatus.0',
    ],
    [
      'credentialStatus and options.credentialStatus both',
      (did) => ({ credential: plain(did, { credentialStatus: { type: 'StatusList' } }), options: { credentialStatus: { type: 'BitstringStatusListEntry' } } }),
      'credential.credentialStatus',
    ],
    ['relatedResource as strings', (did) => ({ credential: plain(did, { relatedResource: [V2] }) }), 'credential.relatedResource.0'],
    [
      'relatedResource without id',
      (did) => ({ credential: plain(did, { relatedResource: [{ digestMultibase: BASE_MULTIBASE }] }) }),
      'credential.relatedResource.0.id',
    ],
    [
      'relatedResource whose id is not a URL',
      (did) => ({ credential: plain(did, { relatedResource: [{ id: 'context', digestSRI: BASE_SRI }] }) }),
      'credential.relatedResource.0.id',
    ],
    [
      'relatedResource with one id twice',
      (did) => ({
        credential: plain(did, {
          relatedResource: [
            { id: V2, digestSRI: BASE_SRI },
            { id: V2, digestMultibase: BASE_MULTIBASE },
          ],
        }),
      }),
      'credential.relatedResource.1.id',
    ],
    ['relatedResource without a digest', (did) => ({ credential: plain(did, { relatedResource: [{ id: V2 }] }) }), 'credential.relatedResource.0'],
    [
      'relatedResource with a wrong digestMultibase',
      (did) => ({ credential: plain(did, { relatedResource: [{ id: V2, digestMultibase: 'uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0' }] }) }),
      'credential.relatedResource.0.digestMultibase',
    ],
    [
      'relatedResource with a wrong digestSRI',
      (did) => ({
        credential: plain(did, { relatedResource: [{ id: V2, digestSRI: 'sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P' }] }),
      }),
      'credential.relatedResource.0.digestSRI',
    ],
    [
      'relatedResource with a digestSRI that is none',
      (did) => ({ credential: plain(did, { relatedResource: [{ id: 'https://example.org/x', digestSRI: 'md5-abc' }] }) }),
      'credential.relatedResource.0.digestSRI',
    ],
    [
      'an inline context importing an unknown URL',
      (did) => ({ credential: plain(did, { '@context': [V2, { '@import': 'https://evil.example/ctx.json' }] }) }),
      'credential.@context.1',
    ],
    ['a number as a context', (did) => ({ credential: plain(did, { '@context': [V2, 123192875] }) }), 'credential.@context.1'],
    [
      'an inline context redefining a protected term',
      (did) => ({ credential: plain(did, { '@context': [V2, { VerifiableCredential: 'https://example.org/#Bad' }] }) }),
      'credential.@context',
    ],
    [
      'VC 1.1 asking for a status on our lists',
      (did) => ({
        credential: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential'],
          issuer: did,
          credentialSubject: { id: 'did:example:subject' },
        },
        options: { credentialStatus: { type: 'BitstringStatusListEntry' } },
      }),
      'options.credentialStatus',
    ],
    [
      'VC 1.1 with an issuanceDate without a time zone',
      (did) => ({
        credential: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential'],
          issuer: did,
          issuanceDate: '2026-03-01T00:00:00',
          credentialSubject: { id: 'did:example:subject' },
        },
      }),
      'credential.issuanceDate',
    ],
    [
      'VC 1.1 with an expirationDate before its issuanceDate',
      (did) => ({
        credential: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential'],
          issuer: did,
          issuanceDate: '2026-03-01T00:00:00Z',
          expirationDate: '2025-03-01T00:00:00Z',
          credentialSubject: { id: 'did:example:subject' },
        },
      }),
      'credential.expirationDate',
    ],
    [
      'VC 1.1 with a validFrom that is no date',
      (did) => ({
        credential: {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential'],
          issuer: did,
          validFrom: 'soon',
          credentialSubject: { id: 'did:example:subject' },
        },
      }),
      'credential.validFrom',
    ],
    [
      'VC 2.0 using a VC 1.1 term',
      (did) => ({
        credential: {
          '@context': [V2],
          type: ['VerifiableCredential'],
          issuer: did,
          issuanceDate: '2026-03-01T00:00:00Z',
          credentialSubject: { id: 'did:example:subject' },
        },
      }),
      'credential',
    ],
  ];
  it.each(forbidden)('refuses %s with 400 naming %s, writing nothing', async (_what, body, field) => {
    const before = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await issue(body(issuer.did));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().field).toBe(field);
    const after = await t.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('POST /credentials/verify and /presentations/verify: inline contexts, no holder', () => {
  const challenge = 'job-application-7';
  async function sign() {
    const vcLib = await import('@digitalbazaar/vc');
    const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
    const { cryptosuite } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
    const { createDocumentLoader } = await import('../../src/jsonld/document-loader.js');
    const { key, did } = await didKeySigner();
    const suite = () => new DataIntegrityProof({ signer: key.signer(), cryptosuite });
    const documentLoader = createDocumentLoader();
    return {
      did,
      credential: (credential: Record<string, unknown>) => vcLib.issue({ credential: { ...credential, issuer: did }, suite: suite(), documentLoader }),
      presentation: (presentation: Record<string, unknown>) => vcLib.signPresentation({ presentation, suite: suite(), challenge, documentLoader }),
    };
  }
  const verifyVp = (vp: unknown) =>
    t.app.inject({ method: 'POST', url: '/presentations/verify', payload: { verifiablePresentation: vp, options: { challenge } } });

  it('verifies a credential signed elsewhere with an inline context, and refuses one that names an unknown URL', async () => {
    const s = await sign();
    const vc = await s.credential({
      '@context': [V2, { '@context': ALUMNI }],
      type: ['VerifiableCredential', 'AlumniCredential'],
      credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
    });
    const ok = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: vc } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().checks[0]).toMatchObject({ check: 'proof', ok: true });
    const importing = { ...vc, '@context': [V2, { '@import': 'https://evil.example/ctx.json' }] };
    const bad = await t.app.inject({ method: 'POST', url: '/credentials/verify', payload: { verifiableCredential: importing } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().checks[0]).toMatchObject({ check: 'proof', ok: false, code: 'unknown-context' });
  });

  it.each<[string, (did: string) => Record<string, unknown>, number, string | null]>([
    [
      'no holder (VC-DM 2.0 §4.13: optional): checked against its own key',
      () => ({ '@context': [V2], type: ['VerifiablePresentation'] }),
      200,
      'signature-valid',
    ],
    [
      'no holder and an inline context',
      () => ({
        '@context': [V2, { ExamplePresentation: 'https://example.org/#ExamplePresentation' }],
        type: ['VerifiablePresentation', 'ExamplePresentation'],
      }),
      200,
      'signature-valid',
    ],
    ['its holder as an object', (did) => ({ '@context': [V2], type: ['VerifiablePresentation'], holder: { id: did } }), 200, 'signature-valid'],
    [
      'another holder than the key’s',
      () => ({ '@context': [V2], type: ['VerifiablePresentation'], holder: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }),
      400,
      'key-not-issuers',
    ],
    ['a holder that is no URL', () => ({ '@context': [V2], type: ['VerifiablePresentation'], holder: { name: 'Acme' } }), 400, 'holder-invalid'],
  ])('a presentation with %s', async (_what, presentation, status, code) => {
    const s = await sign();
    const vp = await s.presentation(presentation(s.did));
    const res = await verifyVp(vp);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().checks[0].code).toBe(code);
  });

  it('a presentation without holder carrying a credential issued here verifies both', async () => {
    const s = await sign();
    const vc = (await issue({ credential: plain(issuer.did) })).json().verifiableCredential;
    const res = await verifyVp(await s.presentation({ '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: [vc] }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ verified: true, holder: null, credentials: [{ verified: true, state: 'verified' }] });
  });
});
