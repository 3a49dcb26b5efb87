/** Route schemas for CLR 2.0 records (POST /v1/learners/{id}/clr). */
import { problemReplies, uuidParam, institutionSecurity } from './common.js';

const learnerParams = {
  type: 'object',
  properties: { id: { ...uuidParam, description: 'The learner id (GET /v1/credentials lists it)' } },
  required: ['id'],
} as const;

/** Optional: an empty body (or none) issues the record with the defaults. */
export const clrIssueBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    jwtAlgorithm: { type: 'string', enum: ['EdDSA', 'RS256'], default: 'EdDSA' },
  },
} as const;

export const issuedClr = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string', description: 'The public page, and the ClrCredential id' },
    credential: { $ref: 'JsonLdDocument#' },
    jwt: { type: 'string' },
    included: { type: 'integer', description: 'Credentials nested in the record' },
    excluded: {
      type: 'object',
      description: 'Credentials left out: they no longer hold, or are secured by a JWT alone (a CLR nests signed JSON-LD)',
      properties: { revoked: { type: 'integer' }, suspended: { type: 'integer' }, jwtOnly: { type: 'integer' } },
      required: ['revoked', 'suspended', 'jwtOnly'],
    },
    totalHours: { type: 'number', description: 'Sum of creditsEarned over the nested credentials' },
    period: {
      type: ['object', 'null'],
      description: 'First and last day of the activities, as dates',
      properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' } },
    },
  },
  required: ['id', 'url', 'credential', 'jwt', 'included', 'excluded'],
} as const;

export const clrRoutesSchema = {
  issue: {
    tags: ['learners'],
    operationId: 'issueLearnerClr',
    summary: "Issue a CLR 2.0 record of the learner's credentials at your institution",
    description:
      'A ClrCredential (1EdTech CLR 2.0) nesting every credential the learner holds here, unchanged and still verifiable on its own; ' +
      'revoked and suspended ones are left out and counted. Total hours and the period are stated in its description. ' +
      'Signed like every credential (eddsa-rdfc-2022 and a VC-JOSE JWT), revocable, with a public page at its url.',
    security: institutionSecurity,
    params: learnerParams,
    body: clrIssueBody,
    response: { 201: issuedClr, ...problemReplies },
  },
} as const;
