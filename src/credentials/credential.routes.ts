import type { FastifyInstance } from 'fastify';
import { batchRoutesSchema, credentialRoutesSchema as s } from '../../schemas/credentials.js';
import { badRequest } from '../errors.js';
import { rowsFromCsv } from './batch.csv.js';
import type { BatchRow } from './batch.service.js';
import { actorOf } from '../auth/auth.js';
import type { Services } from '../services.js';
import type { CredentialInput, Securing } from './credential.service.js';

type IdParams = { Params: { id: string } };
type ReasonBody = { Body: { reason?: string } | undefined };

/** A cohort file may be large; everything else keeps the small default limit. */
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;

export async function credentialRoutes(app: FastifyInstance, { credentials, batches }: Services): Promise<void> {
  // CSV rows are mapped to the JSON shape at parse time; their line numbers ride along for the answer.
  const csvLines = new WeakMap<object, BatchRow[]>();
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: BATCH_BODY_LIMIT }, (_request, body, done) => {
    try {
      const rows = rowsFromCsv(String(body));
      const parsed = { items: rows.map((r) => r.item) };
      csvLines.set(parsed, rows);
      done(null, parsed);
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.post<{
    Body: { achievementId?: string; securing?: Securing; deliver?: boolean; items: unknown[] };
    Querystring: { achievementId?: string; securing?: Securing; deliver?: boolean };
    Headers: { 'idempotency-key'?: string };
  }>('/v1/credentials/batch', { schema: batchRoutesSchema, bodyLimit: BATCH_BODY_LIMIT }, async (request) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    const achievementId = request.body.achievementId ?? request.query.achievementId;
    if (!achievementId) throw badRequest('achievementId is required (in the JSON body, or ?achievementId= with CSV)', 'achievementId');
    const rows = csvLines.get(request.body) ?? request.body.items.map((item) => ({ item }));
    const securing = request.body.securing ?? request.query.securing;
    const deliver = request.body.deliver ?? request.query.deliver;
    return batches.issue(issuer, achievementId, rows, actorOf(principal), { batchKey: request.headers['idempotency-key'], securing, deliver });
  });

  app.post<{ Body: CredentialInput; Headers: { 'idempotency-key'?: string } }>('/v1/credentials', { schema: s.issue }, async (request, reply) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    const { issued, replayed } = await credentials.issue(issuer, request.body, actorOf(principal), request.headers['idempotency-key']);
    if (replayed) reply.header('idempotent-replayed', 'true');
    reply.header('location', issued.url);
    return reply.code(201).send(issued);
  });

  app.get<{ Querystring: { achievementId?: string; learner?: string; limit: number; cursor?: string } }>(
    '/v1/credentials',
    { schema: s.list },
    async (request) => credentials.list(await app.authenticateIssuer(request), request.query),
  );

  app.get<IdParams>('/v1/credentials/:id', { schema: s.get }, async (request) => credentials.get(await app.authenticateIssuer(request), request.params.id));

  app.post<IdParams>('/v1/credentials/:id/deliver', { schema: s.deliver }, async (request, reply) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    return reply.code(202).send(await credentials.deliver(issuer, request.params.id, actorOf(principal)));
  });

  for (const [action, summary] of [
    ['revoke', 'Revoke a credential (final)'],
    ['suspend', 'Suspend a credential'],
    ['unsuspend', 'Lift a suspension'],
  ] as const) {
    app.post<IdParams & ReasonBody>(`/v1/credentials/:id/${action}`, { schema: s.changeStatus(`${action}Credential`, summary) }, async (request) => {
      const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
      return credentials[action](issuer, request.params.id, request.body?.reason, actorOf(principal));
    });
  }
}
