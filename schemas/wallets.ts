/**
 * OpenID4VCI 1.0 (pre-authorized code flow) routes: the issuer and authorization server metadata,
 * offers made by an institution, and the token, nonce and credential endpoints a wallet calls.
 * Errors of the wallet-facing endpoints are OAuth's `{ error, error_description }` (RFC 6749 §5.2,
 * OpenID4VCI 1.0 §8.3.1.2), not problem+json: wallets read that vocabulary.
 */
import { institutionSecurity, problemReplies, uuidParam } from './common.js';

const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/** OAuth/OpenID4VCI error body. */
const oauthError = {
  type: 'object',
  properties: {
    error: {
      type: 'string',
      description:
        'invalid_request, invalid_grant, unsupported_grant_type, invalid_token, invalid_credential_request, unknown_credential_configuration, invalid_proof, invalid_nonce, credential_request_denied',
    },
    error_description: { type: 'string' },
  },
  required: ['error'],
} as const;

/** A metadata document: its main members described, every member passed through. */
const metadataDocument = (description: string, properties: Record<string, unknown>) =>
  ({ type: 'object', description, additionalProperties: true, properties }) as const;

const issuerMetadata = {
  tags: ['wallets'],
  operationId: 'getCredentialIssuerMetadata',
  summary: 'OpenID4VCI credential issuer metadata',
  description:
    'OpenID4VCI 1.0 §12.2: the credential issuer identifier (PUBLIC_URL), its credential and nonce endpoints, its name in Korean and English, and the ' +
    'configurations it issues: OpenBadgeCredential as ldp_vc (Data Integrity, eddsa-rdfc-2022) and as jwt_vc_json (VC-JOSE, EdDSA), each bound to the ' +
    "holder's key (did:key, did:jwk, or a jwk in the proof) by a jwt key proof.",
  response: {
    200: metadataDocument('Credential issuer metadata', {
      credential_issuer: { type: 'string' },
      credential_endpoint: { type: 'string' },
      nonce_endpoint: { type: 'string' },
      display: { type: 'array', items: { type: 'object', additionalProperties: true } },
      credential_configurations_supported: { type: 'object', additionalProperties: true },
    }),
  },
} as const;

const authorizationServerMetadata = {
  tags: ['wallets'],
  operationId: 'getAuthorizationServerMetadata',
  summary: 'OAuth authorization server metadata (RFC 8414)',
  description: 'The service is its own authorization server, for the pre-authorized code grant only, with anonymous access (no client authentication).',
  response: {
    200: metadataDocument('Authorization server metadata', {
      issuer: { type: 'string' },
      token_endpoint: { type: 'string' },
      grant_types_supported: { type: 'array', items: { type: 'string' } },
      'pre-authorized_grant_anonymous_access_supported': { type: 'boolean' },
    }),
  },
} as const;

const createOffer = {
  tags: ['wallets'],
  operationId: 'createWalletOffer',
  summary: 'Make a wallet offer (OpenID4VCI pre-authorized code) for a credential',
  description:
    'A credential offer by value (`openid-credential-offer://?credential_offer=…`) for this credential, carrying a single-use pre-authorized code that ' +
    'expires in 10 minutes, and its QR code. The offer is a bearer secret: give it to the learner only. With `txCode: true` the wallet must also send a ' +
    '6-digit transaction code, returned here once (`txCode`): send it to the learner by another channel. The wallet receives a copy bound to its own key ' +
    '(credentialSubject.id = its DID), with a status of its own that follows the original. 409 when the credential is revoked or suspended, or is itself a wallet copy.',
  security: institutionSecurity,
  params: { type: 'object', properties: { id: uuidParam }, required: ['id'] },
  body: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { txCode: { type: 'boolean', default: false, description: 'Require a 6-digit transaction code' } },
  },
  response: {
    201: {
      type: 'object',
      properties: {
        offerUri: { type: 'string', description: 'openid-credential-offer://?credential_offer=… (the offer by value)' },
        qrSvg: { type: 'string', description: 'The offer as an SVG QR code' },
        txCode: { type: 'string', description: 'The transaction code (only with txCode: true), shown once' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
      required: ['offerUri', 'expiresAt'],
    },
    ...problemReplies,
  },
} as const;

const token = {
  tags: ['wallets'],
  operationId: 'walletToken',
  summary: 'Token endpoint (pre-authorized code grant)',
  description:
    'RFC 6749 §3.2 with OpenID4VCI 1.0 §6: application/x-www-form-urlencoded `grant_type=' +
    PRE_AUTHORIZED_GRANT +
    '`, `pre-authorized_code` and, when the offer asked for one, `tx_code`. Answers an opaque Bearer access token good for 5 minutes and for this ' +
    "offer's credential only. Errors: invalid_request, invalid_grant (unknown, used or expired code, wrong transaction code), unsupported_grant_type.",
  consumes: ['application/x-www-form-urlencoded'],
  body: {
    type: 'object',
    properties: {
      grant_type: { type: 'string', maxLength: 200 },
      'pre-authorized_code': { type: 'string', maxLength: 200 },
      tx_code: { type: 'string', maxLength: 200 },
      client_id: { type: 'string', maxLength: 500 },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer' },
      },
      required: ['access_token', 'token_type', 'expires_in'],
    },
    400: oauthError,
  },
} as const;

const nonce = {
  tags: ['wallets'],
  operationId: 'walletNonce',
  summary: 'Nonce endpoint',
  description: 'OpenID4VCI 1.0 §7: a fresh c_nonce for a key proof, good for one proof within 5 minutes.',
  response: { 200: { type: 'object', properties: { c_nonce: { type: 'string' } }, required: ['c_nonce'] } },
} as const;

const credential = {
  tags: ['wallets'],
  operationId: 'walletCredential',
  summary: 'Credential endpoint',
  description:
    'OpenID4VCI 1.0 §8 with the access token as Bearer: `{ credential_configuration_id, proofs: { jwt: [<one key proof>] } }`. The key proof ' +
    "(typ openid4vci-proof+jwt, EdDSA or ES256, aud = the credential issuer, a c_nonce from the nonce endpoint) names the holder's key by a did:key or " +
    'did:jwk `kid` or a `jwk` header; the answer is a new copy of the credential bound to that DID, `{ credentials: [{ credential }] }`. Errors: ' +
    'invalid_token (401), invalid_credential_request, unknown_credential_configuration, invalid_proof, invalid_nonce, credential_request_denied (400).',
  security: [{ walletAccessToken: [] }],
  body: {
    type: 'object',
    properties: {
      credential_configuration_id: { type: 'string', maxLength: 200 },
      credential_identifier: { type: 'string', maxLength: 200 },
      proofs: {
        type: 'object',
        properties: { jwt: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 20_000 } } },
      },
      proof: { type: 'object' },
      credential_response_encryption: { type: 'object' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        credentials: {
          type: 'array',
          items: {
            type: 'object',
            properties: { credential: { anyOf: [{ type: 'string' }, { $ref: 'JsonLdDocument#' }] } },
            required: ['credential'],
          },
        },
      },
      required: ['credentials'],
    },
    400: oauthError,
    401: oauthError,
  },
} as const;

export const walletRoutesSchema = { issuerMetadata, authorizationServerMetadata, createOffer, token, nonce, credential };
export { PRE_AUTHORIZED_GRANT };
