/**
 * Hostile input to the wallet endpoints (forms and JSON of any shape, proofs that are almost JWTs,
 * headers naming odd keys), with and without a live access token: never a 5xx, always an error of
 * the endpoint's vocabulary, and no credential written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, countCredentials, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential } from '../helpers/fixtures.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const TOKEN_ERRORS = ['invalid_request', 'invalid_grant', 'unsupported_grant_type'];
const CREDENTIAL_ERRORS = [
  'invalid_token',
  'invalid_credential_request',
  'unknown_credential_configuration',
  'invalid_proof',
  'invalid_nonce',
  'credential_request_denied',
];

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const issuer = await createIssuer(t.app);
  const credential = await issueCredential(t.app, issuer, (await createAchievement(t.app, issuer)).id);
  const offer = (await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/offer`, headers: issuer.headers, payload: {} })).json();
  const code = JSON.parse(new URL(offer.offerUri).searchParams.get('credential_offer')!).grants[GRANT]['pre-authorized_code'];
  const form = new URLSearchParams({ grant_type: GRANT, 'pre-authorized_code': code }).toString();
  token = (await t.app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })).json()
    .access_token;
});
afterAll(() => t?.close());

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** Things that look like a proof JWT to a lax parser. */
const almostJwt = fc.oneof(
  fc.string(),
  fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.string()).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${b64(s)}`),
  fc
    .record({
      alg: fc.constantFrom('EdDSA', 'ES256', 'none', 'HS256', 'RS256'),
      typ: fc.constantFrom('openid4vci-proof+jwt', 'JWT'),
      kid: fc.oneof(
        fc.string(),
        fc.constant('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'),
        fc.constant('did:jwk:e30#0'),
      ),
      jwk: fc.option(fc.record({ kty: fc.constantFrom('OKP', 'EC', 'RSA'), crv: fc.string(), x: fc.string(), y: fc.string() }), { nil: undefined }),
    })
    .chain((header) => fc.tuple(fc.constant(header), fc.record({ aud: fc.string(), iat: fc.integer(), nonce: fc.string() }), fc.string()))
    .map(([h, p, s]) => `${b64(h)}.${b64(p)}.${b64(s)}`),
);

describe('the wallet endpoints under hostile input', () => {
  it('answer every token request in the vocabulary of RFC 6749, never with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('grant_type', 'pre-authorized_code', 'tx_code', 'client_id', 'x'), fc.oneof(fc.string(), fc.constant(GRANT))),
        async (fields) => {
          const res = await t.app.inject({
            method: 'POST',
            url: '/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams(fields).toString(),
          });
          expect(res.statusCode, res.body).toBe(400);
          expect(TOKEN_ERRORS).toContain(res.json().error);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('answer every credential request in the vocabulary of OpenID4VCI, never with a 5xx, and issue nothing', async () => {
    const before = await countCredentials(t.db);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              credential_configuration_id: fc.oneof(fc.constantFrom('OpenBadgeCredential_ldp_vc', 'OpenBadgeCredential_jwt_vc_json'), fc.jsonValue()),
              proofs: fc.oneof(fc.record({ jwt: fc.array(almostJwt, { maxLength: 3 }) }), fc.jsonValue()),
              credential_identifier: fc.jsonValue(),
              proof: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (withToken, body) => {
          const res = await t.app.inject({
            method: 'POST',
            url: '/credential',
            headers: { 'content-type': 'application/json', ...(withToken ? { authorization: `Bearer ${token}` } : {}) },
            payload: JSON.stringify(body),
          });
          expect(res.statusCode, res.body).toBeLessThan(500);
          expect([400, 401]).toContain(res.statusCode);
          expect(CREDENTIAL_ERRORS).toContain(res.json().error);
        },
      ),
      { numRuns: 200 },
    );
    expect(await countCredentials(t.db)).toBe(before);
  });
});
