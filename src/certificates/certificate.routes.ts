/**
 * GET /c/{id}/certificate.pdf, the printable certificate; GET and PATCH
 * /v1/issuers/{slug}/certificate, the institution's look on it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { certificateRoutesSchema as s } from '../../schemas/certificates.js';
import { actorOf, type Principal } from '../auth/auth.js';
import { AppError, ErrorCode, forbidden, notFound } from '../errors.js';
import type { Services } from '../services.js';
import { type CertificateSettingsInput, certificateLang } from './certificate.service.js';

/** The certificate is rate-limited per client address, as the other public files are (RATE_LIMIT_PER_MINUTE). */
const limited = { rateLimit: {} };

/** If-None-Match by weak comparison (RFC 9110 §13.1.2): the opaque tags equal, W/ or not. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return !!header && header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** The operator, or the institution itself. */
function requireOwnIssuer(principal: Principal, slug: string): void {
  if (principal.kind === 'issuer' && principal.issuerSlug !== slug) throw forbidden("An institution's API key can change only its own certificates");
}

export async function certificateRoutes(app: FastifyInstance, { certificates, signIn }: Services): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>('/c/:id/certificate.pdf', { config: limited, schema: s.pdf }, async (request, reply) => {
    const found = await certificates.find(request.params.id);
    if (!found) throw notFound(`Credential ${request.params.id.slice(0, 100)} or its certificate`);
    let cacheControl = 'public, no-cache';
    if (found.private) {
      // As every other file of a private credential: only her own session sees it, and no cache keeps it.
      const email = found.email && (await signIn.sessionEmail((request as FastifyRequest).cookies[signIn.cookieName]));
      if (!email || email !== found.email)
        throw new AppError(403, ErrorCode.credentialPrivate, 'This credential is private: its learner has chosen not to show it here');
      cacheControl = 'private, no-store';
    }
    const lang = certificateLang(request.query.lang);
    const certificate = await certificates.numbered(found);
    const etag = await certificates.etag(certificate, lang);
    // no-cache: a copy is revalidated every time, so a revocation is never hidden by a cache.
    reply.header('cache-control', cacheControl);
    reply.header('vary', 'cookie');
    reply.header('etag', etag);
    reply.header('x-content-type-options', 'nosniff');
    if (!found.private && matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
    const pdf = await certificates.pdf(certificate, lang);
    reply.header('content-disposition', `inline; filename="${certificates.fileName(certificate, lang)}"`);
    reply.header('content-language', lang);
    return reply.type('application/pdf').send(pdf);
  });

  app.get<{ Params: { slug: string } }>('/v1/issuers/:slug/certificate', { schema: s.getSettings }, async (request) => {
    requireOwnIssuer(await app.authenticate(request), request.params.slug);
    return certificates.settings(request.params.slug);
  });

  app.patch<{ Params: { slug: string }; Body: CertificateSettingsInput }>('/v1/issuers/:slug/certificate', { schema: s.updateSettings }, async (request) => {
    const principal = await app.authenticate(request);
    requireOwnIssuer(principal, request.params.slug);
    return certificates.updateSettings(request.params.slug, request.body, actorOf(principal));
  });
}
