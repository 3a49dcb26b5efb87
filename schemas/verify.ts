import { CHECK_CODES, CHECK_IDS, VERDICT_STATES } from '../src/verify/verdict.js';
import { MAX_BATCH_ITEMS } from '../src/verify/verify-batch.js';
import { httpUrl, problemReplies, uuidParam, institutionSecurity, operatorSecurity } from './common.js';

const check = {
  type: 'object',
  properties: {
    check: { type: 'string', enum: CHECK_IDS, description: 'nested: only for a CLR, whose nested credentials are each verified' },
    ok: { type: ['boolean', 'null'], description: 'null: could not be determined' },
    code: { type: 'string', enum: CHECK_CODES, description: 'A stable code for what the check found; detail says it in words' },
    detail: { type: 'string' },
  },
  required: ['check', 'ok', 'code', 'detail'],
} as const;

export const verdictSchema = {
  $id: 'Verdict',
  type: 'object',
  properties: {
    verified: { type: 'boolean', description: 'proof, status and validity all hold' },
    state: { type: 'string', enum: VERDICT_STATES },
    format: { type: 'string', enum: ['data-integrity', 'jwt'] },
    checks: { type: 'array', items: check },
    statusReason: { type: ['string', 'null'] },
    pageUrl: { type: 'string', description: 'The credential’s page here: only for a credential one of our institutions signed' },
    credential: {
      type: 'object',
      properties: {
        id: { type: ['string', 'null'] },
        type: { type: 'array', items: { type: 'string' } },
        issuer: {
          type: 'object',
          properties: {
            id: { type: ['string', 'null'] },
            name: { type: ['string', 'null'] },
            url: { type: ['string', 'null'] },
            recognized: { type: 'boolean' },
          },
        },
        achievement: {
          type: ['object', 'null'],
          properties: { id: { type: ['string', 'null'] }, name: { type: ['string', 'null'] }, achievementType: { type: ['string', 'null'] } },
        },
        recipient: {
          type: 'object',
          properties: { name: { type: ['string', 'null'] }, id: { type: ['string', 'null'] }, hashedEmail: { type: 'boolean' } },
        },
        validFrom: { type: ['string', 'null'] },
        validUntil: { type: ['string', 'null'] },
      },
    },
  },
  required: ['verified', 'state', 'checks', 'credential'],
} as const;

export const verifyBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    credential: { type: 'object', description: 'A credential with a Data Integrity proof (JSON-LD)' },
    jwt: { type: 'string', maxLength: 400_000, description: 'A credential secured as a compact JWS' },
  },
  oneOf: [{ required: ['credential'] }, { required: ['jwt'] }],
} as const;

/** An item's entry when it cannot be read: a problem (RFC 9457 members) naming `items.<i>…`. */
const batchItemProblem = {
  type: 'object',
  description: 'The item could not be read (not a credential, a link not ours or not found); the other items are still verified',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer', description: '400 for an item that is not a credential or a link of ours, 404 for a link to no credential' },
    detail: { type: 'string' },
    field: { type: 'string', description: 'items.<i>, items.<i>.credential, items.<i>.jwt or items.<i>.url' },
  },
  required: ['type', 'title', 'status', 'detail', 'field'],
} as const;

export const verifyBatchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_BATCH_ITEMS,
      description:
        'Each `{ credential }` or `{ jwt }` (as POST /v1/verify takes), or `{ url }`: a link to a credential page of this service (`<PUBLIC_URL>/c/<id>`), read from its database, never fetched',
      items: {
        type: 'object',
        description: 'Exactly one of these; an item of another shape gets its own problem entry, the others are still verified',
        properties: {
          credential: { description: 'A credential with a Data Integrity proof (JSON-LD)' },
          jwt: { description: 'A credential secured as a compact JWS' },
          url: { description: 'A link to a credential page of this service: <PUBLIC_URL>/c/<id>' },
        },
      },
    },
  },
} as const;

const multikeyOrJwk = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type'],
  properties: {
    id: { type: 'string', minLength: 3, maxLength: 2048 },
    type: { type: 'string', enum: ['Multikey', 'JsonWebKey'] },
    controller: { type: 'string', maxLength: 2048 },
    publicKeyMultibase: { type: 'string', pattern: '^z6Mk[1-9A-HJ-NP-Za-km-z]{40,60}$' },
    publicKeyJwk: {
      type: 'object',
      additionalProperties: false,
      required: ['kty'],
      properties: {
        kty: { type: 'string', enum: ['OKP', 'RSA', 'EC'] },
        crv: { type: 'string', enum: ['Ed25519', 'P-256'] },
        x: { type: 'string', maxLength: 200 },
        y: { type: 'string', maxLength: 200 },
        n: { type: 'string', maxLength: 1200 },
        e: { type: 'string', maxLength: 20 },
        alg: { type: 'string', maxLength: 20 },
        kid: { type: 'string', maxLength: 2048 },
        use: { type: 'string', maxLength: 10 },
      },
    },
  },
} as const;

export const knownIssuerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'verificationMethods'],
  properties: {
    id: { type: 'string', pattern: '^(did:[a-z0-9]+:|https://)', maxLength: 2048, description: 'The issuer id as its credentials name it' },
    name: { type: 'string', minLength: 1, maxLength: 300 },
    url: httpUrl,
    verificationMethods: { type: 'array', minItems: 1, maxItems: 20, items: multikeyOrJwk },
  },
  example: {
    id: 'https://1edtech.edu/issuers/565049',
    name: '1EdTech Testing',
    verificationMethods: [
      {
        id: 'https://1edtech.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi',
        type: 'Multikey',
        publicKeyMultibase: 'z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi',
      },
    ],
  },
} as const;

const knownIssuer = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    url: { type: 'string' },
    verificationMethods: { type: 'array', items: { type: 'object', additionalProperties: true } },
    createdAt: { type: 'string' },
  },
} as const;

export const verifyRoutesSchema = {
  verify: {
    tags: ['verify'],
    operationId: 'verifyCredential',
    summary: 'Verify a credential (JSON-LD or JWT); always a verdict',
    description: 'Body `{ credential }` or `{ jwt }`, or a raw JWT with content type application/vc+jwt. 400 only for a body that is not a credential at all.',
    body: verifyBody,
    response: { 200: { $ref: 'Verdict#' }, 400: { $ref: 'Problem#' }, 413: { $ref: 'Problem#' } },
  },
  verifyBatch: {
    tags: ['verify'],
    operationId: 'verifyCredentialBatch',
    summary: 'Verify up to 100 credentials (JSON-LD, JWT, or a link to one of ours); a verdict for each, in order',
    description:
      'Body `{ items: [...] }`, 1 to 100 items. Answers `{ results }` in the same order: each the verdict POST /v1/verify gives, or, for an item that cannot be read, a problem naming `items.<i>…`. 400 only when the body is not a list of 1–100 objects.',
    body: verifyBatchBody,
    response: {
      200: {
        type: 'object',
        properties: { results: { type: 'array', items: { anyOf: [{ $ref: 'Verdict#' }, batchItemProblem] } } },
        required: ['results'],
      },
      400: { $ref: 'Problem#' },
      413: { $ref: 'Problem#' },
    },
  },
  reverify: {
    tags: ['verify'],
    operationId: 'reverifyStoredCredential',
    summary: 'Re-verify one of your stored credentials',
    security: institutionSecurity,
    params: { type: 'object', properties: { id: uuidParam }, required: ['id'] },
    response: { 200: { $ref: 'Verdict#' }, ...problemReplies },
  },
  addKnownIssuer: {
    tags: ['registry'],
    operationId: 'addKnownIssuer',
    summary: 'Register an external issuer and its keys (operator)',
    security: operatorSecurity,
    body: knownIssuerBody,
    response: { 201: knownIssuer, ...problemReplies },
  },
  listKnownIssuers: {
    tags: ['registry'],
    operationId: 'listKnownIssuers',
    summary: 'The registry of external issuers (operator)',
    security: operatorSecurity,
    response: { 200: { type: 'object', properties: { items: { type: 'array', items: knownIssuer } } }, ...problemReplies },
  },
  removeKnownIssuer: {
    tags: ['registry'],
    operationId: 'removeKnownIssuer',
    summary: 'Remove an external issuer (operator)',
    security: operatorSecurity,
    params: { type: 'object', properties: { id: { type: 'string', maxLength: 2048 } }, required: ['id'] },
    response: { 204: { type: 'null' }, ...problemReplies },
  },
  addKnownStatusList: {
    tags: ['registry'],
    operationId: 'addKnownStatusList',
    summary: "Register an external issuer's signed status list credential (operator)",
    security: operatorSecurity,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['credential'],
      properties: {
        credential: { type: 'object' },
        url: { type: 'string', pattern: '^https://', maxLength: 2048, description: 'Where the list was downloaded from, when it differs from its id' },
      },
    },
    response: {
      201: { type: 'object', properties: { id: { type: 'string' }, issuerId: { type: 'string' } } },
      ...problemReplies,
    },
  },
  listKnownStatusLists: {
    tags: ['registry'],
    operationId: 'listKnownStatusLists',
    summary: 'Registered external status lists (operator)',
    security: operatorSecurity,
    response: {
      200: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: { type: 'object', properties: { id: { type: 'string' }, issuerId: { type: 'string' }, createdAt: { type: 'string' } } },
          },
        },
      },
      ...problemReplies,
    },
  },
} as const;
