import { emailAddress, freeText, httpUrl, identifierText, nameText, problemReplies, problemSchema, uuidParam, institutionSecurity } from './common.js';

const dateOrDateTime = {
  type: 'string',
  maxLength: 40,
  anyOf: [{ format: 'date' }, { format: 'date-time' }],
} as const;

export const recipientSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: nameText(200),
    email: emailAddress,
    did: { type: 'string', pattern: '^did:(key|web):[A-Za-z0-9._:%-]+$', maxLength: 500 },
    externalId: { ...identifierText(200), description: "The institution's own learner id (student number)" },
  },
  anyOf: [{ required: ['email'] }, { required: ['did'] }, { required: ['externalId'] }],
} as const;

export const evidenceSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: httpUrl,
    name: nameText(300),
    narrative: freeText(5000),
    description: freeText(2000),
    genre: nameText(100),
  },
  anyOf: [{ required: ['url'] }, { required: ['narrative'] }, { required: ['name'] }],
} as const;

export const resultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    value: nameText(100),
    status: { type: 'string', enum: ['Completed', 'Enrolled', 'Failed', 'InProgress', 'OnHold', 'Provisional', 'Withdrew'] },
    achievedLevel: nameText(500),
  },
  minProperties: 1,
} as const;

/**
 * How a credential is secured: Data Integrity (eddsa-rdfc-2022) and a VC-JOSE JWT by default, or a
 * JWT alone. A JWT is always made (Data Integrity alone is not offered yet).
 */
export const securingSchema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: ['data-integrity', 'jwt'] },
  description:
    "Default ['data-integrity', 'jwt']. ['jwt']: the credential is secured by its JWT alone (no proof in the JSON, which is then only a view of the JWT's payload).",
} as const;

/** What every issuing route accepts for one credential (the batch rows too). */
export const credentialItemProperties = {
  recipient: recipientSchema,
  validFrom: { type: 'string', format: 'date-time', maxLength: 40 },
  validUntil: { type: 'string', format: 'date-time', maxLength: 40 },
  evidence: { type: 'array', maxItems: 20, items: evidenceSchema },
  result: { type: 'array', maxItems: 10, items: resultSchema },
  activityStartDate: dateOrDateTime,
  activityEndDate: dateOrDateTime,
  role: nameText(100),
  term: nameText(100),
  creditsEarned: { type: 'number', minimum: 0, maximum: 100000, description: 'Hours earned' },
  narrative: freeText(5000),
  studyGroup: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    description: 'study_group: the group, its topic and attendance',
    properties: {
      name: nameText(200),
      topic: nameText(300),
      sessionsAttended: { type: 'integer', minimum: 0, maximum: 10000 },
      sessionsTotal: { type: 'integer', minimum: 1, maximum: 10000 },
    },
  },
  jwtAlgorithm: { type: 'string', enum: ['EdDSA', 'RS256'], default: 'EdDSA' },
  securing: securingSchema,
} as const;

/** Whether a credential (or every one of a cohort) is e-mailed to its learner. */
const deliverFlag = {
  type: 'boolean',
  description:
    "Default true: the credential is e-mailed to its learner (when she has an address and SMTP is configured). false sends nothing: its delivery says 'not-requested'.",
} as const;

export const credentialCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['achievementId', 'recipient'],
  properties: { achievementId: uuidParam, ...credentialItemProperties, deliver: deliverFlag },
  example: {
    achievementId: '0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10',
    recipient: { name: '김민지', email: 'minji.kim@example.com' },
    activityStartDate: '2026-03-02',
    activityEndDate: '2026-08-28',
    creditsEarned: 450,
    evidence: [{ url: 'https://github.com/minji/final-project', name: '최종 프로젝트', narrative: '도서관 좌석 예약 서비스' }],
  },
} as const;

export const statusInfo = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['active', 'revoked', 'suspended'] },
    revokedAt: { type: ['string', 'null'] },
    revocationReason: { type: ['string', 'null'] },
    suspendedAt: { type: ['string', 'null'] },
    suspensionReason: { type: ['string', 'null'] },
  },
  required: ['state'],
} as const;

/**
 * What became of the credential's e-mail to its learner. 'no-address': she has no e-mail here;
 * 'not-configured': the service has no SMTP server (SMTP_URL); 'not-requested': issued with deliver: false.
 */
export const deliveryInfo = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['pending', 'sent', 'failed', 'not-configured', 'no-address', 'not-requested'] },
    attempts: { type: 'integer', description: 'Attempts made for the current request (a resend starts again from 0)' },
    lastError: { type: 'string', description: "The SMTP server's answer or the network error of the last failed attempt" },
    sentAt: { type: 'string', format: 'date-time', description: 'When the SMTP server accepted the mail' },
  },
  required: ['state', 'attempts'],
} as const;

export const issuedCredential = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string' },
    credential: { $ref: 'JsonLdDocument#' },
    jwt: { type: 'string' },
    status: statusInfo,
  },
  required: ['id', 'url', 'credential', 'jwt'],
} as const;

const idParams = { type: 'object', properties: { id: uuidParam }, required: ['id'] } as const;

const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const reasonBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: freeText(1000) },
} as const;

export const credentialListItem = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    achievementId: { type: ['string', 'null'], description: 'null for a CLR' },
    learner: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: ['string', 'null'] } } },
    issuedAt: { type: 'string' },
    status: statusInfo,
    delivery: deliveryInfo,
  },
} as const;

export const credentialRoutesSchema = {
  issue: {
    tags: ['credentials'],
    operationId: 'issueCredential',
    summary: 'Issue one credential',
    description:
      "Signed with eddsa-rdfc-2022 (Data Integrity) and as a VC-JOSE JWT, or as a JWT alone with securing: ['jwt']. Idempotency-Key returns the first result again.",
    security: institutionSecurity,
    headers: idempotencyHeaders,
    body: credentialCreateBody,
    response: { 201: issuedCredential, 422: { $ref: 'Problem#' }, ...problemReplies },
  },
  list: {
    tags: ['credentials'],
    operationId: 'listCredentials',
    summary: 'Your credentials, newest first',
    security: institutionSecurity,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        achievementId: uuidParam,
        learner: { type: 'string', maxLength: 320, description: 'E-mail, DID or learner id (compared in NFC)' },
        limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        cursor: { type: 'string', maxLength: 200 },
      },
    },
    response: {
      200: { type: 'object', properties: { items: { type: 'array', items: credentialListItem }, nextCursor: { type: ['string', 'null'] } } },
      ...problemReplies,
    },
  },
  get: {
    tags: ['credentials'],
    operationId: 'getCredential',
    summary: 'Read one of your credentials',
    security: institutionSecurity,
    params: idParams,
    response: {
      200: {
        ...issuedCredential,
        properties: { ...issuedCredential.properties, delivery: deliveryInfo },
        required: [...issuedCredential.required, 'delivery'],
      },
      ...problemReplies,
    },
  },
  deliver: {
    tags: ['credentials'],
    operationId: 'deliverCredential',
    summary: 'E-mail the credential to its learner (again)',
    description:
      'Queues a new send: the delivery becomes pending with 0 attempts and goes out shortly, with a Message-ID of its own. ' +
      '409 no-email-address when the learner has no e-mail; 503 mail-not-configured when the service has no SMTP server.',
    security: institutionSecurity,
    params: idParams,
    response: { 202: deliveryInfo, 503: { $ref: 'Problem#' }, ...problemReplies },
  },
  changeStatus: (operationId: string, summary: string) => ({
    tags: ['credentials'],
    operationId,
    summary,
    security: institutionSecurity,
    params: idParams,
    body: reasonBody,
    response: { 200: statusInfo, ...problemReplies },
  }),
  statusList: {
    tags: ['public'],
    operationId: 'getStatusList',
    summary: 'The signed BitstringStatusListCredential',
    params: idParams,
    response: { 200: { $ref: 'JsonLdDocument#' }, 304: { type: 'null' }, 404: { $ref: 'Problem#' } },
  },
} as const;

/** One row of a batch: a credential without achievementId, plus its own idempotency key. */
export const batchItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['recipient'],
  properties: { ...credentialItemProperties, idempotencyKey: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const MAX_BATCH_ROWS = 10_000;

const batchResult = {
  type: 'object',
  properties: {
    index: { type: 'integer', description: 'Position among the rows, from 0' },
    line: { type: 'integer', description: 'CSV: the line in the file' },
    id: { type: 'string' },
    url: { type: 'string' },
    replayed: { type: 'boolean' },
    error: { type: 'object', properties: { field: { type: 'string' }, detail: { type: 'string' } } },
  },
  required: ['index'],
} as const;

/** A cohort's answer: counts and a result per row (in order; on failure, the rows answered). */
const batchOutcome = {
  achievementId: { type: 'string' },
  total: { type: 'integer' },
  issued: { type: 'integer' },
  replayed: { type: 'integer' },
  failed: { type: 'integer' },
  results: { type: 'array', items: batchResult },
} as const;

/**
 * A cohort that failed after some of its chunks were written: a problem (RFC 9457) whose extension
 * members say which rows were issued, so that nobody issues them twice. Other 5xx on this route are
 * plain problems in the same shape, without the members.
 */
const batchIncomplete = {
  type: 'object',
  description:
    'RFC 9457 problem. With type …/batch-incomplete, whole chunks of the cohort were issued before the failure: ' +
    '`results` answers every row issued (now or before) or invalid, `notIssued` counts the valid rows that were not. ' +
    'Retry with the same Idempotency-Key to issue the rest.',
  properties: {
    ...problemSchema.properties,
    ...batchOutcome,
    notIssued: { type: 'integer' },
  },
  required: problemSchema.required,
} as const;

export const batchRoutesSchema = {
  tags: ['credentials'],
  operationId: 'issueCredentialBatch',
  summary: 'Issue a cohort: JSON { achievementId, items } or text/csv with ?achievementId=',
  description:
    'Every row is validated first; valid rows are issued, invalid ones reported by position and field. Up to 10,000 rows. ' +
    'CSV columns: name, email, did, externalId, validFrom, validUntil, activityStartDate, activityEndDate, role, term, creditsEarned, ' +
    'narrative, result, evidenceUrl, evidenceName, evidenceNarrative, groupName, groupTopic, sessionsAttended, sessionsTotal, idempotencyKey. ' +
    'An Idempotency-Key header makes a retried upload issue nothing twice (each row gets <key>:<index>).',
  security: institutionSecurity,
  headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 150 } } },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { achievementId: uuidParam, securing: securingSchema, deliver: { ...deliverFlag, description: 'CSV: false e-mails none of the cohort' } },
  },
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: {
      achievementId: uuidParam,
      securing: { ...securingSchema, description: 'For every row that does not say otherwise' },
      deliver: { ...deliverFlag, description: 'false: none of the cohort is e-mailed to its learner' },
      items: { type: 'array', minItems: 1, maxItems: MAX_BATCH_ROWS, items: { type: 'object' } },
    },
  },
  response: {
    200: { type: 'object', properties: batchOutcome },
    413: { $ref: 'Problem#' },
    500: batchIncomplete,
    503: batchIncomplete,
    415: { $ref: 'Problem#' },
    ...problemReplies,
  },
} as const;
