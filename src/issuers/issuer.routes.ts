import type { FastifyInstance } from 'fastify';
import { issuerRoutesSchema as s } from '../../schemas/issuers.js';
import { actorOf, requireAdmin } from '../auth/auth.js';
import { forbidden } from '../errors.js';
import type { Services } from '../services.js';
import type { IssuerInput } from './issuer.service.js';

export async function issuerRoutes(app: FastifyInstance, { issuers }: Services): Promise<void> {
  app.post<{ Body: IssuerInput }>('/v1/issuers', { schema: s.create }, async (request, reply) => {
    const principal = await app.authenticate(request);
    requireAdmin(principal);
    const created = await issuers.create(request.body, actorOf(principal));
    reply.header('location', `/issuers/${created.slug}`);
    return reply.code(201).send(created);
  });

  app.post<{ Params: { slug: string }; Body: { label?: string } }>('/v1/issuers/:slug/api-keys', { schema: s.createApiKey }, async (request, reply) => {
    const principal = await app.authenticate(request);
    requireAdmin(principal);
    return reply.code(201).send(await issuers.createApiKey(request.params.slug, request.body?.label, actorOf(principal)));
  });

  app.delete<{ Params: { slug: string; id: string } }>('/v1/issuers/:slug/api-keys/:id', { schema: s.revokeApiKey }, async (request, reply) => {
    const principal = await app.authenticate(request);
    requireAdmin(principal);
    await issuers.revokeApiKey(request.params.slug, request.params.id, actorOf(principal));
    return reply.code(204).send();
  });

  app.post<{ Params: { slug: string } }>('/v1/issuers/:slug/keys/rotate', { schema: s.rotateKeys }, async (request) => {
    const principal = await app.authenticate(request);
    if (principal.kind === 'issuer' && principal.issuerSlug !== request.params.slug) {
      throw forbidden("An institution's API key can rotate only its own keys");
    }
    return issuers.rotateKeys(request.params.slug, actorOf(principal));
  });

  app.get<{ Params: { slug: string } }>('/issuers/:slug', { schema: s.profile }, async (request, reply) => {
    const issuer = await issuers.issuerBySlug(request.params.slug);
    return reply.type('application/ld+json').send(issuers.publicProfile(issuer));
  });

  app.get<{ Params: { slug: string } }>('/issuers/:slug/did.json', { schema: s.didDocument }, async (request, reply) => {
    reply.header('cache-control', 'public, max-age=60');
    return reply.type('application/did+ld+json').send(await issuers.didDocument(request.params.slug));
  });
}
