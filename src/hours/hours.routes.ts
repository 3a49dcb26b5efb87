import type { FastifyInstance } from 'fastify';
import { hoursRoutesSchema as s } from '../../schemas/hours.js';
import { actorOf } from '../auth/auth.js';
import { notFound } from '../errors.js';
import { findLearner } from '../learners/learner.repository.js';
import { statusOf } from '../credentials/credential.service.js';
import type { Services } from '../services.js';
import type { HoursInput } from './hours.service.js';

export async function hoursRoutes(app: FastifyInstance, { hours, db, urls }: Services): Promise<void> {
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
    const issuer = await app.authenticateIssuer(request);
    const learner = await findLearner(db, issuer.id, request.params.id);
    if (!learner) throw notFound(`Learner ${request.params.id}`);
    const rows = await db
      .selectFrom('credentials')
      .innerJoin('achievements', 'achievements.id', 'credentials.achievement_id')
      .select(['credentials.id', 'credentials.achievement_id', 'achievements.name', 'credentials.created_at', 'credentials.revoked_at', 'credentials.revocation_reason', 'credentials.suspended_at', 'credentials.suspension_reason'])
      .where('credentials.learner_id', '=', learner.id)
      .orderBy('credentials.created_at')
      .execute();
    return {
      id: learner.id,
      name: learner.name,
      email: learner.email,
      externalId: learner.external_id,
      did: learner.did,
      credentials: rows.map((r) => ({ id: r.id, url: urls.credential(r.id), achievementId: r.achievement_id, achievementName: r.name, issuedAt: r.created_at.toISOString(), state: statusOf(r).state })),
      hours: await hours.totals(learner.id),
    };
  });
}
