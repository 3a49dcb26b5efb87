import { freeText, httpUrl, nameText, problemReplies, uuidParam, institutionSecurity } from './common.js';
import { recipientSchema } from './credentials.js';

/** The recipient of a credential, without a DID: sessions are recorded by e-mail or the institution's id. */
export const hoursLearnerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: recipientSchema.properties.name,
    email: recipientSchema.properties.email,
    externalId: recipientSchema.properties.externalId,
  },
  anyOf: [{ required: ['email'] }, { required: ['externalId'] }],
} as const;

export const hoursCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['achievementId', 'learner', 'hours', 'activity', 'date'],
  properties: {
    achievementId: uuidParam,
    learner: hoursLearnerSchema,
    hours: { type: 'number', exclusiveMinimum: 0, maximum: 24 },
    activity: nameText(500),
    date: { type: 'string', format: 'date' },
    evidence: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { url: httpUrl, name: nameText(300), narrative: freeText(2000) },
      },
    },
  },
  example: {
    achievementId: '0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10',
    learner: { name: '이지현', email: 'jihyun.lee@example.com' },
    hours: 20,
    activity: '도시재생 코디네이터 심화과정 1차',
    date: '2026-04-11',
  },
} as const;

const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    achievementId: { type: 'string' },
    hours: { type: 'number' },
    activity: { type: 'string' },
    date: { type: 'string' },
    voided: { type: 'boolean' },
    voidReason: { type: ['string', 'null'] },
  },
} as const;

export const hoursRecorded = {
  type: 'object',
  properties: {
    session: sessionSchema,
    learnerId: { type: 'string' },
    year: { type: 'integer' },
    totalHours: { type: 'number' },
    requiredHours: { type: 'number' },
    credential: { type: ['object', 'null'], properties: { id: { type: 'string' }, url: { type: 'string' }, issuedNow: { type: 'boolean' } } },
  },
} as const;

const totalsSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      achievementId: { type: 'string' },
      achievementName: { type: 'string' },
      year: { type: 'integer' },
      totalHours: { type: 'number' },
      requiredHours: { type: ['number', 'null'] },
      credentialId: { type: ['string', 'null'] },
    },
  },
} as const;

const learnerIdParams = { type: 'object', properties: { id: uuidParam }, required: ['id'] } as const;

export const hoursRoutesSchema = {
  record: {
    tags: ['hours'],
    operationId: 'recordTrainingHours',
    summary: 'Record one training session; reaching requiredHours issues the credential, once',
    description: 'An Idempotency-Key makes a resent session count once.',
    security: institutionSecurity,
    headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } } },
    body: hoursCreateBody,
    response: { 201: hoursRecorded, ...problemReplies },
  },
  void: {
    tags: ['hours'],
    operationId: 'voidTrainingHours',
    summary: 'Void a recorded session, with a reason (kept in the audit trail)',
    security: institutionSecurity,
    params: learnerIdParams,
    body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: freeText(1000) } },
    response: {
      200: {
        type: 'object',
        properties: {
          session: sessionSchema,
          totalHours: { type: 'number' },
          requiredHours: { type: 'number' },
          belowThreshold: { type: 'boolean' },
          credentialId: { type: ['string', 'null'] },
          notice: { type: ['string', 'null'] },
        },
      },
      ...problemReplies,
    },
  },
  learnerHours: {
    tags: ['learners'],
    operationId: 'getLearnerHours',
    summary: "A learner's sessions and totals per achievement and year",
    security: institutionSecurity,
    params: learnerIdParams,
    response: {
      200: { type: 'object', properties: { learnerId: { type: 'string' }, sessions: { type: 'array', items: sessionSchema }, totals: totalsSchema } },
      ...problemReplies,
    },
  },
  learner: {
    tags: ['learners'],
    operationId: 'getLearner',
    summary: 'A learner at your institution: credentials and hours',
    security: institutionSecurity,
    params: learnerIdParams,
    response: {
      200: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          email: { type: ['string', 'null'] },
          externalId: { type: ['string', 'null'] },
          did: { type: ['string', 'null'] },
          credentials: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                url: { type: 'string' },
                achievementId: { type: 'string' },
                achievementName: { type: 'string' },
                issuedAt: { type: 'string' },
                state: { type: 'string' },
              },
            },
          },
          hours: totalsSchema,
        },
      },
      ...problemReplies,
    },
  },
} as const;
