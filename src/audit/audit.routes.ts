import type { FastifyInstance } from 'fastify';
import { problemReplies, institutionSecurity } from '../../schemas/common.js';
import type { Services } from '../services.js';

const auditSchema = {
  tags: ['audit'],
  operationId: 'listAuditEvents',
  summary: 'Who did what, when, from which key, at your institution (newest first)',
  security: institutionSecurity,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
      before: { type: 'string', pattern: '^[0-9]{1,19}$', description: 'Events older than this event id' },
      action: { type: 'string', maxLength: 50 },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              at: { type: 'string' },
              actor: { type: 'string' },
              action: { type: 'string' },
              subject: { type: ['string', 'null'] },
              details: { type: 'object', additionalProperties: true },
            },
          },
        },
        nextBefore: { type: ['string', 'null'] },
      },
    },
    ...problemReplies,
  },
} as const;

export async function auditRoutes(app: FastifyInstance, { audit }: Services): Promise<void> {
  app.get<{ Querystring: { limit: number; before?: string; action?: string } }>('/v1/audit', { schema: auditSchema }, async (request) => {
    return audit.list(await app.authenticateIssuer(request), request.query);
  });
}
