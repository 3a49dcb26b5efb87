/**
 * W3C VC-API routes beside the native API, so standard test suites and wallets can talk to Ieum.
 */
import type { FastifyInstance } from 'fastify';
import { problemReplies, institutionSecurity } from '../../schemas/common.js';
import { actorOf } from '../auth/auth.js';
import { badRequest, notFound } from '../errors.js';
import type { Services } from '../services.js';
import type { IssueOptions } from './vcapi.service.js';

const issueSchema = {
  tags: ['vc-api'],
  operationId: 'vcApiIssueCredential',
  summary: 'VC-API: issue (sign and store) a VC 2.0 credential, or a VC 1.1 one (issuanceDate added when missing)',
  security: institutionSecurity,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['credential'],
    properties: {
      credential: { type: 'object' },
      options: {
        type: 'object',
        additionalProperties: true,
        properties: { credentialStatus: { type: 'object', properties: { type: { type: 'string' } } } },
      },
    },
  },
  response: { 201: { type: 'object', properties: { verifiableCredential: { $ref: 'JsonLdDocument#' } } }, 422: { $ref: 'Problem#' }, ...problemReplies },
} as const;

const verifySchema = {
  tags: ['vc-api'],
  operationId: 'vcApiVerifyCredential',
  summary: 'VC-API: verify a credential; 200 with the verdict when valid, 400 with it when not',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['verifiableCredential'],
    properties: { verifiableCredential: { anyOf: [{ type: 'object' }, { type: 'string' }] }, options: { type: 'object' } },
  },
  response: { 200: { $ref: 'Verdict#' }, 400: { anyOf: [{ $ref: 'Verdict#' }, { $ref: 'Problem#' }] } },
} as const;

const statusSchema = {
  tags: ['vc-api'],
  operationId: 'vcApiUpdateStatus',
  summary: 'VC-API: revoke or suspend (or lift a suspension of) a credential by its id',
  security: institutionSecurity,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['credentialId', 'credentialStatus'],
    properties: {
      credentialId: { type: 'string', minLength: 1, maxLength: 2048 },
      credentialStatus: {
        type: 'array',
        minItems: 1,
        maxItems: 1,
        items: {
          type: 'object',
          required: ['type', 'status'],
          properties: {
            type: { type: 'string', enum: ['BitstringStatusListEntry'] },
            status: { type: 'string', enum: ['revoked', 'suspended', 'active'] },
            reason: { type: 'string', maxLength: 1000 },
          },
        },
      },
    },
  },
  response: {
    200: { type: 'object', properties: { state: { type: 'string' }, revokedAt: { type: ['string', 'null'] }, suspendedAt: { type: ['string', 'null'] } } },
    ...problemReplies,
  },
} as const;

const presentationSchema = {
  tags: ['vc-api'],
  operationId: 'vcApiVerifyPresentation',
  summary: 'VC-API: verify a presentation (its proof, by the holder’s key when it names a holder; challenge and domain), and each credential in it',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['verifiablePresentation'],
    properties: {
      verifiablePresentation: { type: 'object' },
      options: {
        type: 'object',
        additionalProperties: true,
        properties: { challenge: { type: 'string', maxLength: 500 }, domain: { type: 'string', maxLength: 500 } },
      },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        verified: { type: 'boolean' },
        holder: { type: ['string', 'null'] },
        checks: { type: 'array', items: { type: 'object', additionalProperties: true } },
        credentials: { type: 'array', items: { $ref: 'Verdict#' } },
      },
    },
    400: {
      anyOf: [
        {
          type: 'object',
          required: ['verified'],
          properties: {
            verified: { type: 'boolean' },
            holder: { type: ['string', 'null'] },
            checks: { type: 'array', items: { type: 'object', additionalProperties: true } },
            credentials: { type: 'array', items: { $ref: 'Verdict#' } },
          },
        },
        { $ref: 'Problem#' },
      ],
    },
  },
} as const;

export async function vcApiRoutes(app: FastifyInstance, { vcapi, verify, credentials }: Services): Promise<void> {
  app.post<{ Body: { credential: Record<string, unknown>; options?: IssueOptions } }>('/credentials/issue', { schema: issueSchema }, async (request, reply) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    const verifiableCredential = await vcapi.issue(issuer, request.body.credential, request.body.options ?? {}, actorOf(principal));
    return reply.code(201).send({ verifiableCredential });
  });

  app.post<{ Body: { verifiableCredential: Record<string, unknown> | string } }>(
    '/credentials/verify',
    { schema: verifySchema, config: { rateLimit: {} } },
    async (request, reply) => {
      const vc = request.body.verifiableCredential;
      const verdict = await verify.verify(typeof vc === 'string' ? { jwt: vc } : { credential: vc });
      return reply.code(verdict.verified ? 200 : 400).send(verdict);
    },
  );

  app.post<{ Body: { verifiablePresentation: Record<string, unknown>; options?: { challenge?: string; domain?: string } } }>(
    '/presentations/verify',
    { schema: presentationSchema, config: { rateLimit: {} } },
    async (request, reply) => {
      const result = await verify.verifyPresentation(request.body.verifiablePresentation, request.body.options ?? {});
      return reply.code(result.verified ? 200 : 400).send(result);
    },
  );

  app.post<{ Body: { credentialId: string; credentialStatus: { type: string; status: 'revoked' | 'suspended' | 'active'; reason?: string }[] } }>(
    '/credentials/status',
    { schema: statusSchema },
    async (request) => {
      const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
      const rowId = await vcapi.findRowId(issuer.id, request.body.credentialId);
      if (!rowId) throw notFound(`Credential ${request.body.credentialId}`);
      const [change] = request.body.credentialStatus;
      const actor = actorOf(principal);
      switch (change!.status) {
        case 'revoked':
          return credentials.revoke(issuer, rowId, change!.reason, actor);
        case 'suspended':
          return credentials.suspend(issuer, rowId, change!.reason, actor);
        case 'active':
          return credentials.unsuspend(issuer, rowId, change!.reason, actor);
        default:
          throw badRequest('status must be revoked, suspended or active', 'credentialStatus.0.status');
      }
    },
  );
}
