/**
 * A learner takes her credential into a wallet no one here wrote (the OpenWallet Foundation's
 * OpenID4VCI client) over real HTTP: the institution's offer → issuer metadata → token → nonce →
 * key proof → credential, with a did:key (ldp_vc) and with a jwk proof (jwt_vc_json), and with a
 * transaction code. What arrives verifies with @digitalbazaar/vc and jose, validates against the
 * official OB 3.0 schema, and is bound to the holder's DID; it is a credential of its own that the
 * learner's listing shows; revoking, suspending and unsuspending the original reach the copy.
 */
import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyJwtWithDidKey, verifyWithLibrary } from '../helpers/independent-verify.js';
import { type MailSink, startMailSink } from '../helpers/learner-mail.js';
import { signInByMail } from '../helpers/learners.js';
import { waitUntil } from '../helpers/wait.js';
import { didKeyHolder, jwkHolder, takeCredential, walletClient } from './holder.js';

let t: TestApp;
let sink: MailSink;
let issuer: TestIssuer;
let listeningAt: string;
let publicUrl: string;
let achievementId: string;

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ env: { SMTP_URL: sink.smtpUrl, RATE_LIMIT_PER_MINUTE: '0' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  listeningAt = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  publicUrl = t.config.publicUrl;
  issuer = await createIssuer(t.app, { name: '서울여성능력개발원' });
  achievementId = (await createAchievement(t.app, issuer)).id;
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

async function offerFor(credentialId: string, body: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: `/v1/credentials/${credentialId}/offer`, headers: issuer.headers, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { offerUri: string; qrSvg: string; txCode?: string; expiresAt: string };
}

const verdictOf = async (payload: Record<string, unknown>) => (await t.app.inject({ method: 'POST', url: '/v1/verify', payload })).json();

describe('metadata', () => {
  it('publishes the credential issuer and authorization server metadata of OpenID4VCI 1.0', async () => {
    const issuerMetadata = (await t.app.inject({ method: 'GET', url: '/.well-known/openid-credential-issuer' })).json();
    expect(issuerMetadata).toMatchObject({
      credential_issuer: publicUrl,
      credential_endpoint: `${publicUrl}/credential`,
      nonce_endpoint: `${publicUrl}/nonce`,
      display: [
        { locale: 'ko', name: '이음' },
        { locale: 'en', name: 'Ieum' },
      ],
    });
    const ldp = issuerMetadata.credential_configurations_supported.OpenBadgeCredential_ldp_vc;
    expect(ldp).toMatchObject({
      format: 'ldp_vc',
      credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
      cryptographic_binding_methods_supported: expect.arrayContaining(['did:key', 'jwk']),
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['EdDSA', 'ES256'] } },
      credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] },
    });
    expect(ldp.credential_metadata.display.map((d: { locale: string }) => d.locale)).toEqual(['ko', 'en']);
    expect(issuerMetadata.credential_configurations_supported.OpenBadgeCredential_jwt_vc_json).toMatchObject({
      format: 'jwt_vc_json',
      credential_signing_alg_values_supported: ['EdDSA'],
    });
    const as = (await t.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(as).toMatchObject({
      issuer: publicUrl,
      token_endpoint: `${publicUrl}/token`,
      'pre-authorized_grant_anonymous_access_supported': true,
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:pre-authorized_code'],
    });
  });

  it('describes every wallet route in a valid OpenAPI document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await SwaggerParser.validate(structuredClone(document));
    for (const path of [
      '/.well-known/openid-credential-issuer',
      '/.well-known/oauth-authorization-server',
      '/v1/credentials/{id}/offer',
      '/token',
      '/nonce',
      '/credential',
    ]) {
      expect(document.paths[path], path).toBeDefined();
    }
    expect(document.paths['/credential'].post.security).toEqual([{ walletAccessToken: [] }]);
  });
});

describe('a wallet takes a credential', () => {
  it('with a did:key, as ldp_vc: verified by the reference library, valid OB 3.0, bound to the holder, a credential of its own', async () => {
    const original = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '김민지', email: 'minji.kim@example.com' } });
    const offer = await offerFor(original.id);
    expect(offer.offerUri).toMatch(/^openid-credential-offer:\/\/\?credential_offer=/);
    expect(offer.qrSvg).toMatch(/^<svg/);
    expect(offer.txCode).toBeUndefined();
    expect(Date.parse(offer.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);

    const key = await didKeyHolder();
    const wallet = walletClient(publicUrl, listeningAt, [key]);
    const { response, credentialOffer } = await takeCredential(wallet, offer.offerUri, key, 'OpenBadgeCredential_ldp_vc');
    expect(credentialOffer.credential_configuration_ids).toEqual(['OpenBadgeCredential_ldp_vc', 'OpenBadgeCredential_jwt_vc_json']);
    const credentials = response.credentialResponse.credentials!;
    expect(credentials).toHaveLength(1);
    const copy = (credentials[0] as { credential: unknown }).credential as Record<string, any>;

    expect(copy.credentialSubject.id).toBe(key.did);
    expect(copy.id).not.toBe(original.url);
    expect(copy.id).toMatch(new RegExp(`^${publicUrl}/c/[0-9a-f-]{36}$`));
    expect(copy.credentialSubject.achievement).toEqual(original.credential.credentialSubject.achievement);
    expect(copy.credentialSubject.identifier).toEqual(original.credential.credentialSubject.identifier);
    expect(copy.issuer).toEqual(original.credential.issuer);
    expect(copy.credentialStatus.statusListIndex).not.toBe(original.credential.credentialStatus.statusListIndex);
    expect(ob3SchemaErrors(copy)).toEqual([]);
    const library = await verifyWithLibrary(t.app, publicUrl, copy);
    expect(library.verified, JSON.stringify(library.error ?? library)).toBe(true);
    expect((await verdictOf({ credential: copy })).state).toBe('verified');

    // Her credentials at the institution: the original and the wallet's copy, for the same learner.
    const listed = (await t.app.inject({ method: 'GET', url: '/v1/credentials?learner=minji.kim@example.com', headers: issuer.headers })).json();
    const ids = listed.items.map((i: { id: string }) => i.id);
    const copyId = copy.id.split('/').pop();
    expect(ids).toEqual(expect.arrayContaining([original.id, copyId]));
    const learnerOf = (id: string) => listed.items.find((i: { id: string }) => i.id === id).learner.id;
    expect(learnerOf(copyId)).toBe(learnerOf(original.id));
    // Not e-mailed: she has the original (which was).
    expect((await t.app.inject({ method: 'GET', url: `/v1/credentials/${copyId}`, headers: issuer.headers })).json().delivery.state).toBe('not-requested');
    // Both on her own page, signed in by the mailed link.
    const cookie = await signInByMail(t.app, sink, 'minji.kim@example.com');
    const mine = (await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie } })).json().credentials;
    expect(mine.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([original.id, copyId]));
  });

  it('with a jwk proof, as jwt_vc_json, after a transaction code: verified by jose with the issuer key, bound to did:jwk', async () => {
    const original = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '이지현', email: 'jihyun.lee@example.com' } });
    const offer = await offerFor(original.id, { txCode: true });
    expect(offer.txCode).toMatch(/^\d{6}$/);
    const offered = JSON.parse(new URL(offer.offerUri).searchParams.get('credential_offer')!);
    expect(offered.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'].tx_code).toMatchObject({ input_mode: 'numeric', length: 6 });

    const key = await jwkHolder();
    const wallet = walletClient(publicUrl, listeningAt, [key]);
    const { response } = await takeCredential(wallet, offer.offerUri, key, 'OpenBadgeCredential_jwt_vc_json', offer.txCode);
    const jwt = (response.credentialResponse.credentials![0] as { credential: unknown }).credential as string;
    expect(typeof jwt).toBe('string');
    expect(decodeProtectedHeader(jwt).alg).toBe('EdDSA');
    const { payload } = await verifyJwtWithDidKey(t.app, jwt);
    expect(payload.credentialSubject.id).toBe(key.did);
    expect(payload.credentialSubject.id.startsWith('did:jwk:')).toBe(true);
    // The did:jwk names the holder's key: decoding it gives back the key that signed the proof.
    const named = JSON.parse(Buffer.from(key.did.slice('did:jwk:'.length), 'base64url').toString());
    expect(named).toMatchObject({ kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y });
    expect(ob3SchemaErrors(payload)).toEqual([]);
    expect((await verdictOf({ jwt })).state).toBe('verified');
  });

  it('follows its original: suspended, unsuspended and revoked with it, in our verdict and in the published status list', async () => {
    const original = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '박서연', email: 'seoyeon.park@example.com' } });
    const key = await didKeyHolder();
    const { response } = await takeCredential(
      walletClient(publicUrl, listeningAt, [key]),
      (await offerFor(original.id)).offerUri,
      key,
      'OpenBadgeCredential_ldp_vc',
    );
    const copy = (response.credentialResponse.credentials![0] as { credential: unknown }).credential as Record<string, any>;
    const copyId = copy.id.split('/').pop();
    const change = async (action: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/credentials/${original.id}/${action}`,
        headers: issuer.headers,
        payload: { reason: '확인 중' },
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    const stateOfCopy = async () => (await t.app.inject({ method: 'GET', url: `/v1/credentials/${copyId}`, headers: issuer.headers })).json().status.state;

    // The copy's row changes with the original's, in the same transaction; a verdict may have been
    // cached for up to half a second (src/verify/stored-credentials.ts), so it is asked until it agrees.
    const verdictBecomes = (state: string) =>
      waitUntil(`the copy's verdict is ${state}`, async () => (await verdictOf({ credential: copy })).state === state, { tries: 100, pauseMs: 20 });
    await change('suspend');
    expect(await stateOfCopy()).toBe('suspended');
    await verdictBecomes('suspended');
    await change('unsuspend');
    expect(await stateOfCopy()).toBe('active');
    await verdictBecomes('verified');
    await change('revoke');
    expect(await stateOfCopy()).toBe('revoked');
    await verdictBecomes('revoked');
    // The reference library reads the copy's bit in the re-signed status list.
    const library = await verifyWithLibrary(t.app, publicUrl, copy);
    expect(library.statusResult).toMatchObject({ verified: true, results: [{ verified: true, status: true }] });
    // A revoked credential is offered to no wallet.
    const again = await t.app.inject({ method: 'POST', url: `/v1/credentials/${original.id}/offer`, headers: issuer.headers, payload: {} });
    expect(again.statusCode).toBe(409);
  });
});
