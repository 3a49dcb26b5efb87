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
            properties: { id: { type: 'string' }, at: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, subject: { type: ['string', 'null'] }, details: { type: 'object', additionalProperties: true } },
          },
        },
        nextBefore: { type: ['string', 'null'] },
      },
    },
    ...problemReplies,
  },
} as const;

export async function auditRoutes(app: FastifyInstance, { db }: Services): Promise<void> {
  app.get<{ Querystring: { limit: number; before?: string; action?: string } }>('/v1/audit', { schema: auditSchema }, async (request) => {
    const issuer = await app.authenticateIssuer(request);
    let q = db.selectFrom('audit_events').selectAll().where('issuer_id', '=', issuer.id);
    if (request.query.before) q = q.where('id', '<', request.query.before);
    if (request.query.action) q = q.where('action', '=', request.query.action);
    const rows = await q.orderBy('id', 'desc').limit(request.query.limit + 1).execute();
    const page = rows.slice(0, request.query.limit);
    return {
      items: page.map((r) => ({ id: String(r.id), at: r.at.toISOString(), actor: r.actor, action: r.action, subject: r.subject, details: r.details })),
      nextBefore: rows.length > request.query.limit ? String(page.at(-1)!.id) : null,
    };
  });
}
