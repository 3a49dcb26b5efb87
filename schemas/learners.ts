/**
 * The learner's own routes: sign-in by e-mail link, and what her session cookie opens (`/v1/me/…`).
 * The contract is /work/shared/DESIGN.md, section "Learners"; decisions in docs/decisions/learner-sign-in.md.
 */
import { VERDICT_STATES } from '../src/verify/verdict.js';
import { emailAddress, nameText, uuidParam } from './common.js';

/**
 * The learner's session cookie (HttpOnly, SameSite=Lax; `__Host-ieum-session` over HTTPS). The
 * authentication hook leaves these routes to their own check (src/me/me.routes.ts): a session, and
 * for a state-changing request our own origin.
 */
export const learnerSecurity = [{ learnerSession: [] as string[] }];

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, { $ref: 'Problem#' }]));
/** What every session route can answer besides its own: no session (401), another origin (403). */
const sessionProblems = problems(400, 401, 403, 404, 429);

const idParams = { type: 'object', properties: { id: uuidParam }, required: ['id'] } as const;

const myCredential = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string', description: 'Its public page' },
    name: { type: 'string', description: 'The achievement (or the record) it awards' },
    kind: { type: 'string', enum: ['course', 'study_group', 'training_hours', 'clr'] },
    issuer: { type: 'object', properties: { name: { type: 'string' }, slug: { type: 'string' } } },
    validFrom: { type: 'string', format: 'date-time' },
    validUntil: { type: ['string', 'null'], format: 'date-time' },
    issuedAt: { type: 'string', format: 'date-time', description: 'When the institution issued it here' },
    state: { type: 'string', enum: VERDICT_STATES, description: 'The live verdict, as its public page shows it' },
    statusReason: { type: ['string', 'null'], description: 'Why the institution revoked or suspended it' },
    hours: { type: ['number', 'null'] },
    public: { type: 'boolean', description: 'false: its public page and files say only that it is private' },
  },
  required: ['id', 'url', 'name', 'kind', 'issuer', 'validFrom', 'validUntil', 'issuedAt', 'state', 'public'],
} as const;

const hoursTotal = {
  type: 'object',
  properties: {
    issuerName: { type: 'string' },
    issuerSlug: { type: 'string' },
    year: { type: 'integer' },
    totalHours: { type: 'number', description: 'Training sessions the institution recorded that year (not voided)' },
  },
  required: ['issuerName', 'issuerSlug', 'year', 'totalHours'],
} as const;

const collection = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string', description: 'The public link: /p/{id}' },
    name: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    credentialIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
    qr: { type: 'object', properties: { svg: { type: 'string' }, png: { type: 'string' } } },
  },
  required: ['id', 'url', 'name', 'createdAt', 'credentialIds', 'qr'],
} as const;

export const learnerRoutesSchema = {
  signIn: {
    tags: ['me'],
    operationId: 'requestLearnerSignIn',
    summary: 'Ask for a sign-in link by e-mail: always 202',
    description:
      'Answers 202 whatever the address, so that no one learns who holds credentials here. When the address holds a credential here, and within the limits ' +
      '(a few links per e-mail per 15 minutes, counted across instances; a few requests per client address), a single-use link valid for 15 minutes is mailed to it.',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['email'],
      properties: { email: emailAddress },
      example: { email: 'minji.kim@example.com' },
    },
    response: {
      202: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      ...problems(400, 403, 415, 429),
    },
  },
  credentials: {
    tags: ['me'],
    operationId: 'listMyCredentials',
    summary: 'Every credential issued to her e-mail, by every institution here, newest first; her training hours per institution and year',
    security: learnerSecurity,
    response: {
      200: {
        type: 'object',
        properties: { credentials: { type: 'array', items: myCredential }, hours: { type: 'array', items: hoursTotal } },
        required: ['credentials', 'hours'],
      },
      ...sessionProblems,
    },
  },
  setVisibility: {
    tags: ['me'],
    operationId: 'setMyCredentialVisibility',
    summary: 'Make one of her credentials public or private',
    description:
      'Private: its public page and files say only that it is private; the credential itself still verifies (POST /v1/verify). Another person’s credential is 404.',
    security: learnerSecurity,
    params: idParams,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['public'],
      properties: { public: { type: 'boolean' } },
      example: { public: false },
    },
    response: {
      200: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, public: { type: 'boolean' } }, required: ['id', 'public'] },
      ...sessionProblems,
    },
  },
  createCollection: {
    tags: ['me'],
    operationId: 'createMyCollection',
    summary: 'Share several of her credentials under one unguessable link (/p/{id}) and QR',
    security: learnerSecurity,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'credentialIds'],
      properties: {
        name: nameText(200),
        credentialIds: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: uuidParam, description: 'Her credentials, in the order shown' },
      },
      example: { name: '이력서용 배지 모음', credentialIds: ['0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10'] },
    },
    response: { 201: collection, ...sessionProblems },
  },
  collections: {
    tags: ['me'],
    operationId: 'listMyCollections',
    summary: 'Her collections, newest first',
    security: learnerSecurity,
    response: {
      200: { type: 'object', properties: { collections: { type: 'array', items: collection } }, required: ['collections'] },
      ...sessionProblems,
    },
  },
  withdrawCollection: {
    tags: ['me'],
    operationId: 'withdrawMyCollection',
    summary: 'Withdraw a collection: its link and QR answer 404 from now on',
    security: learnerSecurity,
    params: idParams,
    response: { 204: { type: 'null', description: 'Withdrawn' }, ...sessionProblems },
  },
  export: {
    tags: ['me'],
    operationId: 'exportMyCredentials',
    summary: 'Everything of hers in one file: each credential as signed JSON-LD and as a JWT, and her collections',
    security: learnerSecurity,
    response: {
      200: {
        type: 'object',
        properties: {
          exportedAt: { type: 'string', format: 'date-time' },
          email: { type: 'string' },
          credentials: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                url: { type: 'string' },
                public: { type: 'boolean' },
                credential: {
                  type: ['object', 'null'],
                  additionalProperties: true,
                  description: 'Signed JSON-LD; null for a credential secured by its JWT alone',
                },
                jwt: { type: 'string' },
              },
            },
          },
          collections: { type: 'array', items: collection },
        },
      },
      ...sessionProblems,
    },
  },
  signOut: {
    tags: ['me'],
    operationId: 'signOutLearner',
    summary: 'End this session',
    security: learnerSecurity,
    response: { 204: { type: 'null', description: 'Signed out; the cookie is cleared' }, ...sessionProblems },
  },
  deleteMe: {
    tags: ['me'],
    operationId: 'deleteMySignInData',
    summary: 'Delete her sign-in data: every session, every sign-in link and every collection (their links stop working)',
    description: 'Her credentials are the institutions’ records and stay, as do her choices of which are private. Signing in again starts afresh.',
    security: learnerSecurity,
    response: {
      204: { type: 'null', description: 'Deleted; the cookie is cleared' },
      ...sessionProblems,
    },
  },
} as const;
