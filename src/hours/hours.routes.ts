import type { FastifyInstance } from 'fastify';
import { hoursRoutesSchema as s } from '../../schemas/hours.js';
import { actorOf } from '../auth/auth.js';
import type { Services } from '../services.js';
import type { HoursInput } from './hours.service.js';

export async function hoursRoutes(app: FastifyInstance, { hours, hoursReport }: Services): Promise<void> {
  app.post<{ Body: HoursInput; Headers: { 'idempotency-key'?: string } }>('/v1/training-hours', { schema: s.record }, async (request, reply) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    const { replayed, ...recorded } = await hours.record(issuer, request.body, actorOf(principal), request.headers['idempotency-key']);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(recorded);
  });

  app.post<{ Params: { id: string }; Body: { reason: string } }>('/v1/training-hours/:id/void', { schema: s.void }, async (request) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    return hours.void(issuer, request.params.id, request.body.reason, actorOf(principal));
  });

  app.get<{ Params: { id: string } }>('/v1/learners/:id/hours', { schema: s.learnerHours }, async (request) => {
    return hours.learnerHours(await app.authenticateIssuer(request), request.params.id);
  });

  app.get<{ Params: { id: string } }>('/v1/learners/:id', { schema: s.learner }, async (request) => {
    return hoursReport.learner(await app.authenticateIssuer(request), request.params.id);
  });
}
