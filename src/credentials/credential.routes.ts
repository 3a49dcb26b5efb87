import type { FastifyInstance } from 'fastify';
import { credentialRoutesSchema as s } from '../../schemas/credentials.js';
import { actorOf } from '../auth/auth.js';
import type { Services } from '../services.js';
import type { CredentialInput } from './credential.service.js';

type IdParams = { Params: { id: string } };
type ReasonBody = { Body: { reason?: string } | undefined };

export async function credentialRoutes(app: FastifyInstance, { credentials }: Services): Promise<void> {
  app.post<{ Body: CredentialInput; Headers: { 'idempotency-key'?: string } }>(
    '/v1/credentials',
    { schema: s.issue },
    async (request, reply) => {
      const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
      const { issued, replayed } = await credentials.issue(issuer, request.body, actorOf(principal), request.headers['idempotency-key']);
      if (replayed) reply.header('idempotent-replayed', 'true');
      reply.header('location', issued.url);
      return reply.code(201).send(issued);
    },
  );

  app.get<{ Querystring: { achievementId?: string; learner?: string; limit: number; cursor?: string } }>(
    '/v1/credentials',
    { schema: s.list },
    async (request) => credentials.list(await app.authenticateIssuer(request), request.query),
  );

  app.get<IdParams>('/v1/credentials/:id', { schema: s.get }, async (request) =>
    credentials.get(await app.authenticateIssuer(request), request.params.id),
  );

  for (const [action, summary] of [
    ['revoke', 'Revoke a credential (final)'],
    ['suspend', 'Suspend a credential'],
    ['unsuspend', 'Lift a suspension'],
  ] as const) {
    app.post<IdParams & ReasonBody>(
      `/v1/credentials/:id/${action}`,
      { schema: s.changeStatus(`${action}Credential`, summary) },
      async (request) => {
        const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
        return credentials[action](issuer, request.params.id, request.body?.reason, actorOf(principal));
      },
    );
  }
}
