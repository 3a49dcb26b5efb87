import type { FastifyInstance } from 'fastify';
import { issuerRoutesSchema as s } from '../../schemas/issuers.js';
import { actorOf, requireAdmin } from '../auth/auth.js';
import { forbidden } from '../errors.js';
import type { Services } from '../services.js';
import type { IssuerInput } from './issuer.service.js';

/** The JSON types the Profile is served as: any of them asked for at least as much as HTML keeps JSON-LD. */
const JSON_TYPES = new Set(['application/ld+json', 'application/json', 'application/vc+ld+json', 'application/did+ld+json']);

/**
 * Whether an Accept header asks for HTML above every JSON type (RFC 9110 §12.5.1 quality values).
 * No Accept, `*\/*`, or a JSON type as wanted as HTML: JSON-LD, as other software has always had it.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const quality = Number.isFinite(q) ? q : 0;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, quality);
    else if (type && JSON_TYPES.has(type)) json = Math.max(json, quality);
  }
  return html > 0 && html > json;
}

export async function issuerRoutes(app: FastifyInstance, { issuers, pages }: Services): Promise<void> {
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

  app.get<{ Params: { slug: string }; Querystring: { lang?: string } }>('/issuers/:slug', { schema: s.profile }, async (request, reply) => {
    reply.header('vary', 'accept, accept-language');
    // A browser gets the page for people; JSON-LD for application/ld+json, application/json, no Accept or */*.
    if (prefersHtml(request.headers.accept)) {
      const page = await pages.institutionPage(request.params.slug, request.query.lang, request.headers['accept-language']);
      reply.headers(pages.headers);
      return reply.code(page.status).type('text/html; charset=utf-8').send(page.html);
    }
    const issuer = await issuers.issuerBySlug(request.params.slug);
    return reply.type('application/ld+json').send(issuers.publicProfile(issuer));
  });

  app.get<{ Params: { slug: string } }>('/issuers/:slug/did.json', { schema: s.didDocument }, async (request, reply) => {
    reply.header('cache-control', 'public, max-age=60');
    return reply.type('application/did+ld+json').send(await issuers.didDocument(request.params.slug));
  });
}
