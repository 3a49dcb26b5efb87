/**
 * What a wallet (or a thief) gets wrong, and the exact answer in OpenID4VCI/OAuth's vocabulary:
 * the offer route's authorisation; codes reused, expired, unknown or raced; transaction codes
 * missing, wrong or guessed; access tokens missing, unknown, expired or spent; key proofs with the
 * wrong typ, audience, signature, algorithm, age, key or nonce (unknown and replayed); unknown
 * configurations; a token that only ever reaches its own credential. No rejected request writes a
 * credential.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, countCredentials, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { didKeyHolder, type HolderKey, jwkHolder, signWith } from './holder.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const LDP = 'OpenBadgeCredential_ldp_vc';
const JWT = 'OpenBadgeCredential_jwt_vc_json';

let t: TestApp;
let issuer: TestIssuer;
let other: TestIssuer;
let achievementId: string;
let publicUrl: string;
let holder: HolderKey;

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  publicUrl = t.config.publicUrl;
  issuer = await createIssuer(t.app);
  other = await createIssuer(t.app, { name: '서울AI대학', url: 'https://ai.college.example' });
  achievementId = (await createAchievement(t.app, issuer)).id;
  holder = await didKeyHolder();
});
afterAll(() => t?.close());

const issue = (email = 'minji.kim@example.com') => issueCredential(t.app, issuer, achievementId, { recipient: { name: '김민지', email } });

async function offer(credentialId: string, body: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: `/v1/credentials/${credentialId}/offer`, headers: issuer.headers, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  const answer = res.json() as { offerUri: string; txCode?: string };
  const offered = JSON.parse(new URL(answer.offerUri).searchParams.get('credential_offer')!);
  return { code: offered.grants[GRANT]['pre-authorized_code'] as string, txCode: answer.txCode };
}

const tokenRequest = (fields: Record<string, string>) =>
  t.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

async function tokenFor(credentialId: string): Promise<string> {
  const { code } = await offer(credentialId);
  const res = await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token;
}

const newNonce = async (): Promise<string> => (await t.app.inject({ method: 'POST', url: '/nonce' })).json().c_nonce;

/** A key proof as F.1 wants it, with any part overridden. */
async function proof(options: { key?: HolderKey; signWith?: HolderKey; header?: Record<string, unknown>; payload?: Record<string, unknown> } = {}) {
  const key = options.key ?? holder;
  const header =
    key.signer.method === 'did'
      ? { alg: key.signer.alg, typ: 'openid4vci-proof+jwt', kid: key.signer.didUrl }
      : { alg: key.signer.alg, typ: 'openid4vci-proof+jwt', jwk: key.publicJwk };
  const payload = { aud: publicUrl, iat: Math.floor(Date.now() / 1000), nonce: await newNonce(), ...options.payload };
  return signWith(options.signWith ?? key, { ...header, ...options.header }, Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)));
}

const credentialRequest = (token: string | undefined, body: unknown) =>
  t.app.inject({ method: 'POST', url: '/credential', headers: token ? { authorization: `Bearer ${token}` } : {}, payload: body as Record<string, unknown> });

function expectError(res: { statusCode: number; body: string; headers: Record<string, unknown>; json(): any }, status: number, error: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error, res.body).toBe(error);
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('the offer route', () => {
  it('is the institution’s, for its own credentials only', async () => {
    const credential = await issue();
    const url = `/v1/credentials/${credential.id}/offer`;
    expect((await t.app.inject({ method: 'POST', url, payload: {} })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url, headers: other.headers, payload: {} })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/credentials/00000000-0000-4000-8000-000000000000/offer', headers: issuer.headers, payload: {} }))
        .statusCode,
    ).toBe(404);
    const bad = await t.app.inject({ method: 'POST', url, headers: issuer.headers, payload: { txCode: 'yes' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('txCode');
    // No body at all is an offer without a transaction code.
    expect((await t.app.inject({ method: 'POST', url, headers: issuer.headers })).statusCode).toBe(201);
    // Who handed out the bearer secret, and until when, is in the audit trail (the secret is not).
    const audit = (await t.app.inject({ method: 'GET', url: '/v1/audit?action=credential.wallet-offered', headers: issuer.headers })).json();
    const event = audit.items.find((e: { subject: string }) => e.subject === credential.id);
    expect(event).toMatchObject({ actor: `api-key:${issuer.apiKeyId}`, details: { txCode: false } });
    expect(JSON.stringify(audit)).not.toMatch(/pre-authorized|credential_offer/);
  });

  it('refuses to offer a wallet copy (its original is offered instead)', async () => {
    const credential = await issue();
    const token = await tokenFor(credential.id);
    const res = await credentialRequest(token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } });
    expect(res.statusCode, res.body).toBe(200);
    const copyId = (res.json().credentials[0].credential.id as string).split('/').pop();
    const again = await t.app.inject({ method: 'POST', url: `/v1/credentials/${copyId}/offer`, headers: issuer.headers, payload: {} });
    expect(again.statusCode).toBe(409);
  });
});

describe('the token endpoint', () => {
  it('takes a code once: a reused code is invalid_grant, and the token it gave is withdrawn', async () => {
    const credential = await issue();
    const { code } = await offer(credential.id);
    const first = await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(first.headers['cache-control']).toBe('no-store');
    expectError(await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code }), 400, 'invalid_grant');
    expectError(
      await credentialRequest(first.json().access_token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } }),
      401,
      'invalid_token',
    );
  });

  it('gives one token when two wallets race for one code', async () => {
    const credential = await issue();
    const { code } = await offer(credential.id);
    const answers = await Promise.all([1, 2, 3].map(() => tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400, 400]);
  });

  it('refuses an expired code (its row moved past its expiry)', async () => {
    const credential = await issue();
    const { code } = await offer(credential.id);
    await sql`update wallet_offers set expires_at = now() - interval '1 second' where credential_id = ${credential.id}`.execute(t.db);
    expectError(await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code }), 400, 'invalid_grant');
  });

  it.each([
    ['an unknown code', { grant_type: GRANT, 'pre-authorized_code': 'not-a-code-we-gave' }, 'invalid_grant'],
    ['another grant type', { grant_type: 'authorization_code', code: 'x' }, 'unsupported_grant_type'],
    ['no grant type', { 'pre-authorized_code': 'x' }, 'invalid_request'],
    ['no code', { grant_type: GRANT }, 'invalid_request'],
  ])('answers %s with %s', async (_name, fields, error) => {
    expectError(await tokenRequest(fields as Record<string, string>), 400, error as string);
  });

  it('wants the transaction code: missing is invalid_request, wrong is invalid_grant, and five wrong spend the offer', async () => {
    const credential = await issue();
    const { code, txCode } = await offer(credential.id, { txCode: true });
    expectError(await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code }), 400, 'invalid_request');
    const wrong = String((Number(txCode) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) expectError(await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code, tx_code: wrong }), 400, 'invalid_grant');
    expectError(await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': code, tx_code: txCode! }), 400, 'invalid_grant');
  });

  it('takes the right transaction code, and refuses one the offer did not ask for', async () => {
    const credential = await issue();
    const withCode = await offer(credential.id, { txCode: true });
    expect((await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': withCode.code, tx_code: withCode.txCode! })).statusCode).toBe(200);
    const without = await offer(credential.id);
    expectError(await tokenRequest({ grant_type: GRANT, 'pre-authorized_code': without.code, tx_code: '123456' }), 400, 'invalid_request');
  });
});

describe('the credential endpoint', () => {
  it('wants a live access token: none, unknown or expired is invalid_token with a Bearer challenge', async () => {
    const body = { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } };
    for (const token of [undefined, 'unknown-token']) {
      const res = await credentialRequest(token, body);
      expectError(res, 401, 'invalid_token');
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
    // Before anything is said of the body.
    expectError(await credentialRequest(undefined, { credential_configuration_id: 42 }), 401, 'invalid_token');
    const credential = await issue();
    const token = await tokenFor(credential.id);
    await sql`update wallet_access_tokens set expires_at = now() - interval '1 second' where credential_id = ${credential.id}`.execute(t.db);
    expectError(await credentialRequest(token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } }), 401, 'invalid_token');
  });

  const stranger = didKeyHolder();
  const p256 = jwkHolder();
  const proofFaults: [string, string, () => Promise<unknown>][] = [
    [
      'an unknown configuration',
      'unknown_credential_configuration',
      async () => ({ credential_configuration_id: 'UniversityDegree', proofs: { jwt: [await proof()] } }),
    ],
    ['no configuration', 'invalid_credential_request', async () => ({ proofs: { jwt: [await proof()] } })],
    ['a configuration that is not a string', 'invalid_credential_request', async () => ({ credential_configuration_id: 7, proofs: { jwt: [await proof()] } })],
    [
      'the draft `proof` member',
      'invalid_credential_request',
      async () => ({ credential_configuration_id: LDP, proof: { proof_type: 'jwt', jwt: await proof() } }),
    ],
    ['no proof', 'invalid_proof', async () => ({ credential_configuration_id: LDP })],
    ['two proofs (no batch issuance)', 'invalid_proof', async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof(), await proof()] } })],
    ['a proof that is not a JWT', 'invalid_proof', async () => ({ credential_configuration_id: LDP, proofs: { jwt: ['not.a.jwt'] } })],
    ['the wrong typ', 'invalid_proof', async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ header: { typ: 'JWT' } })] } })],
    [
      'the wrong audience',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ payload: { aud: 'https://evil.example' } })] } }),
    ],
    [
      'a bad signature (kid of one key, signed by another)',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ signWith: await stranger })] } }),
    ],
    [
      'an alg that does not fit the key',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ signWith: await p256, header: { alg: 'ES256' } })] } }),
    ],
    [
      'an iat 10 minutes old',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ payload: { iat: Math.floor(Date.now() / 1000) - 600 } })] } }),
    ],
    [
      'an iat 10 minutes ahead',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ payload: { iat: Math.floor(Date.now() / 1000) + 600 } })] } }),
    ],
    ['no iat', 'invalid_proof', async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ payload: { iat: undefined } })] } })],
    ['no nonce', 'invalid_proof', async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ payload: { nonce: undefined } })] } })],
    [
      'a nonce never issued',
      'invalid_nonce',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ payload: { nonce: 'made-up-nonce' } })] } }),
    ],
    [
      'a did:web kid (never resolved)',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ header: { kid: 'did:web:evil.example#key-1' } })] } }),
    ],
    [
      'both kid and jwk',
      'invalid_proof',
      async () => ({ credential_configuration_id: LDP, proofs: { jwt: [await proof({ header: { jwk: (await p256).publicJwk } })] } }),
    ],
    [
      'a private key in jwk',
      'invalid_proof',
      async () => ({
        credential_configuration_id: JWT,
        proofs: { jwt: [await proof({ key: await p256, header: { jwk: { ...(await p256).publicJwk, d: 'AAAA' } } })] },
      }),
    ],
  ];

  it.each(proofFaults)('answers %s with %s, and issues nothing', async (_name, error, body) => {
    const credential = await issue();
    const token = await tokenFor(credential.id);
    const before = await countCredentials(t.db);
    expectError(await credentialRequest(token, await body()), 400, error);
    expect(await countCredentials(t.db)).toBe(before);
  });

  it('accepts a nonce once: replayed in a second request it is invalid_nonce', async () => {
    const credential = await issue();
    const jwt = await proof();
    const first = await credentialRequest(await tokenFor(credential.id), { credential_configuration_id: LDP, proofs: { jwt: [jwt] } });
    expect(first.statusCode, first.body).toBe(200);
    expectError(await credentialRequest(await tokenFor(credential.id), { credential_configuration_id: LDP, proofs: { jwt: [jwt] } }), 400, 'invalid_nonce');
  });

  it('gives each configuration once per token', async () => {
    const credential = await issue();
    const token = await tokenFor(credential.id);
    expect((await credentialRequest(token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } })).statusCode).toBe(200);
    expectError(await credentialRequest(token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } }), 400, 'credential_request_denied');
    const jwt = await credentialRequest(token, { credential_configuration_id: JWT, proofs: { jwt: [await proof()] } });
    expect(jwt.statusCode, jwt.body).toBe(200);
    expect(typeof jwt.json().credentials[0].credential).toBe('string');
  });

  it('reaches only the credential its offer was for', async () => {
    const mine = await issue('minji.kim@example.com');
    const hers = await issue('jihyun.lee@example.com');
    const token = await tokenFor(mine.id);
    const res = await credentialRequest(token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } });
    expect(res.statusCode, res.body).toBe(200);
    const copyId = (res.json().credentials[0].credential.id as string).split('/').pop();
    const { rows } = await sql<{ original_id: string }>`select original_id from wallet_copies where copy_id = ${copyId}`.execute(t.db);
    expect(rows[0]!.original_id).toBe(mine.id);
    expect(rows[0]!.original_id).not.toBe(hers.id);
    expect(res.json().credentials[0].credential.credentialSubject.identifier).toEqual(mine.credential.credentialSubject.identifier);
  });

  it('keeps a private credential private in its copy', async () => {
    const credential = await issue();
    // As her PATCH /v1/me/credentials/{id} { public: false } leaves it.
    await sql`update credentials set private = true where id = ${credential.id}`.execute(t.db);
    const res = await credentialRequest(await tokenFor(credential.id), { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } });
    expect(res.statusCode, res.body).toBe(200);
    const copyId = (res.json().credentials[0].credential.id as string).split('/').pop();
    const { rows } = await sql<{ private: boolean }>`select private from credentials where id = ${copyId}`.execute(t.db);
    expect(rows[0]!.private).toBe(true);
  });

  it('refuses a credential revoked after its token was given', async () => {
    const credential = await issue();
    const token = await tokenFor(credential.id);
    const revoked = await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/revoke`, headers: issuer.headers, payload: {} });
    expect(revoked.statusCode).toBe(200);
    expectError(await credentialRequest(token, { credential_configuration_id: LDP, proofs: { jwt: [await proof()] } }), 400, 'credential_request_denied');
  });

  it.each([
    ['/credential', 'application/json', '{"__proto__":{"x":1}}', 'invalid_credential_request'],
    ['/credential', 'application/json', 'not json', 'invalid_credential_request'],
    ['/credential', 'application/json', '{"credential_configuration_id":"a\\u0000b"}', 'invalid_credential_request'],
    ['/token', 'application/x-www-form-urlencoded', `grant_type=${encodeURIComponent(GRANT)}&pre-authorized_code=a%00b`, 'invalid_request'],
    ['/token', 'application/json', '{"constructor":{"prototype":{}}}', 'invalid_request'],
  ])('answers an unreadable body to %s (%s) in its own vocabulary', async (url, contentType, payload, error) => {
    const credential = await issue();
    const token = await tokenFor(credential.id);
    const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, payload });
    expectError(res, 400, error);
  });

  it('answers the nonce endpoint with a fresh c_nonce each time, not to be cached', async () => {
    const a = await t.app.inject({ method: 'POST', url: '/nonce' });
    const b = await t.app.inject({ method: 'POST', url: '/nonce' });
    expect(a.statusCode).toBe(200);
    expect(a.headers['cache-control']).toBe('no-store');
    expect(a.json().c_nonce).not.toBe(b.json().c_nonce);
  });
});
