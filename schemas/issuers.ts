import { emailAddress, freeText, httpUrl, imageUrl, nameText, problemReplies, bearerSecurity, operatorSecurity } from './common.js';

export const issuerCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['slug', 'name', 'url', 'email'],
  properties: {
    slug: {
      type: 'string',
      pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$',
      description: 'Lower-case letters, digits and hyphens; part of the DID and URLs',
    },
    name: nameText(200),
    url: httpUrl,
    email: emailAddress,
    description: freeText(2000),
    image: imageUrl,
  },
  example: {
    slug: 'seoul-women-jobs',
    name: '서울여성능력개발원',
    url: 'https://women.seoul.example',
    email: 'badges@women.seoul.example',
    description: '경력단절 여성의 IT 재취업 교육',
  },
} as const;

export const apiKeySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    token: { type: 'string', description: 'Shown only in this answer; store it now' },
    label: { type: ['string', 'null'] },
  },
  required: ['id', 'token'],
} as const;

export const issuerCreated = {
  type: 'object',
  properties: {
    slug: { type: 'string' },
    did: { type: 'string' },
    profile: { $ref: 'JsonLdDocument#' },
    apiKey: apiKeySchema,
  },
  required: ['slug', 'did', 'profile', 'apiKey'],
} as const;

export const slugParams = {
  type: 'object',
  properties: { slug: { type: 'string', maxLength: 63 } },
  required: ['slug'],
} as const;

export const apiKeyParams = {
  type: 'object',
  properties: { slug: { type: 'string', maxLength: 63 }, id: { type: 'string', format: 'uuid' } },
  required: ['slug', 'id'],
} as const;

export const apiKeyCreateBody = {
  type: 'object',
  additionalProperties: false,
  properties: { label: nameText(200) },
} as const;

export const issuerRoutesSchema = {
  create: {
    tags: ['issuers'],
    operationId: 'createIssuer',
    summary: 'Create an institution (operator)',
    security: operatorSecurity,
    body: issuerCreateBody,
    response: { 201: issuerCreated, ...problemReplies },
  },
  createApiKey: {
    tags: ['issuers'],
    operationId: 'createApiKey',
    summary: 'Create another API key for an institution (operator)',
    security: operatorSecurity,
    params: slugParams,
    body: apiKeyCreateBody,
    response: { 201: apiKeySchema, ...problemReplies },
  },
  revokeApiKey: {
    tags: ['issuers'],
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key (operator)',
    security: operatorSecurity,
    params: apiKeyParams,
    response: { 204: { type: 'null' }, ...problemReplies },
  },
  rotateKeys: {
    tags: ['issuers'],
    operationId: 'rotateSigningKeys',
    summary: 'Rotate the signing keys (operator or the institution)',
    description: 'Adds new Ed25519 and RSA keys; the old ones stop signing but stay in the DID document.',
    security: bearerSecurity,
    params: slugParams,
    response: {
      200: {
        type: 'object',
        properties: { did: { type: 'string' }, verificationMethods: { type: 'array', items: { type: 'string' } } },
      },
      ...problemReplies,
    },
  },
  profile: {
    tags: ['public'],
    operationId: 'getIssuerProfile',
    summary: 'The institution as an Open Badges Profile (JSON-LD); a browser (Accept: text/html) gets its page for people',
    params: slugParams,
    querystring: { type: 'object', properties: { lang: { type: 'string', maxLength: 20 } } },
    produces: ['application/ld+json', 'text/html'],
    response: { 200: { $ref: 'JsonLdDocument#' }, 404: { $ref: 'Problem#' } },
  },
  didDocument: {
    tags: ['public'],
    operationId: 'getIssuerDidDocument',
    summary: "The institution's did:web DID document",
    params: slugParams,
    response: { 200: { $ref: 'JsonLdDocument#' }, 404: { $ref: 'Problem#' } },
  },
} as const;
