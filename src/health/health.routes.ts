import type { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCode, problem, sendProblem } from '../errors.js';
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

export async function healthRoutes(app: FastifyInstance, { health }: Services): Promise<void> {
  // Set when the app begins to close, so a balancer stops sending before in-flight requests finish.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  const answer = async (reply: FastifyReply) => {
    if (closing) return sendProblem(reply, problem(503, ErrorCode.unavailable, 'Shutting down'));
    if (await health.check()) return { status: 'ok', database: 'ok' };
    return sendProblem(reply, problem(503, ErrorCode.unavailable, 'The database is not answering'));
  };
  app.get('/health', { schema: healthSchema, logLevel: 'warn' }, async (_request, reply) => answer(reply));
  app.get(
    '/ready',
    {
      schema: {
        ...healthSchema,
        operationId: 'ready',
        summary: 'Readiness for a load balancer: 503 while the database is away or the instance is shutting down',
      },
      logLevel: 'warn',
    },
    async (_request, reply) => answer(reply),
  );
}
