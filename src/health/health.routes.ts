import type { FastifyInstance } from 'fastify';
import { databaseAnswers } from '../db/database.js';
import { problem, ErrorCode } from '../errors.js';
import type { Services } from '../services.js';

const healthSchema = {
  tags: ['public'],
  operationId: 'health',
  summary: 'Liveness and readiness: 200 when the database answers, 503 when it does not',
  response: {
    200: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' } } },
    503: { $ref: 'Problem#' },
  },
} as const;

export async function healthRoutes(app: FastifyInstance, { db }: Services): Promise<void> {
  app.get('/health', { schema: healthSchema, logLevel: 'warn' }, async (_request, reply) => {
    if (await databaseAnswers(db)) return { status: 'ok', database: 'ok' };
    return reply
      .code(503)
      .type('application/problem+json')
      .send(problem(503, ErrorCode.unavailable, 'The database is not answering'));
  });
}
