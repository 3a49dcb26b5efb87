/**
 * The learner's JSON routes: the request for a sign-in link, and what her session opens (/v1/me/…).
 * Her session and, for a state-changing request, our own origin are checked before the body is read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { learnerRoutesSchema as s } from '../../schemas/learners.js';
import { AppError, ErrorCode } from '../errors.js';
import type { Services } from '../services.js';
import { fromAnotherSite, fromOurOrigin } from './origin.js';

const READS = new Set(['GET', 'HEAD']);

/** Whose session sent a request on a route of `learnerSecurity`, set by the hook below. */
const signedIn = new WeakMap<FastifyRequest, string>();

export function herEmail(request: FastifyRequest): string {
  const email = signedIn.get(request);
  if (!email) throw new AppError(401, ErrorCode.unauthorized, 'Sign in first: ask for a link with POST /v1/learner/sign-in');
  return email;
}

const usesSession = (request: FastifyRequest) =>
  ((request.routeOptions.schema as { security?: { learnerSession?: string[] }[] } | undefined)?.security ?? []).some((s) => s.learnerSession !== undefined);

/**
 * The hook every route of her session goes through (JSON here, forms in me-pages.routes.ts): our own
 * origin for anything but a read (403), then a live session (401), before the body is parsed.
 */
export function guardLearnerRoutes(app: FastifyInstance, { signIn, urls }: Services, options: { required: boolean }): void {
  const origin = new URL(urls.base).origin;
  app.addHook('onRequest', async (request) => {
    if (!usesSession(request)) return;
    if (!READS.has(request.method) && !fromOurOrigin(request.headers, origin)) {
      throw new AppError(403, ErrorCode.forbidden, `A request that changes your data must come from this service's own pages (${origin})`, 'origin');
    }
    const email = await signIn.sessionEmail(request.cookies[signIn.cookieName]);
    if (email) signedIn.set(request, email);
    else if (options.required) herEmail(request);
  });
}

/** Everything but the answer happens after it (src/me/sign-in.service.ts, requestLinkLater). */
export function requestSignInLink(services: Services, request: FastifyRequest, email: string): void {
  if (!services.signIn.mailConfigured) request.log.warn('a sign-in link was asked for, but SMTP_URL is not set: no mail is sent');
  services.signIn.requestLinkLater(email, request.ip, (reason) => request.log.error({ reason }, 'sign-in link not sent'));
}

export function clearSession(services: Services, reply: FastifyReply): void {
  const { maxAge: _maxAge, ...options } = services.signIn.cookieOptions;
  reply.clearCookie(services.signIn.cookieName, options);
}

export async function meRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { signIn, learners, urls } = services;
  const origin = new URL(urls.base).origin;
  guardLearnerRoutes(app, services, { required: true });

  app.post<{ Body: { email: string } }>('/v1/learner/sign-in', { schema: s.signIn, config: { rateLimit: {} } }, async (request, reply) => {
    if (fromAnotherSite(request.headers, origin))
      throw new AppError(403, ErrorCode.forbidden, `Ask for a sign-in link from this service's own pages (${origin})`, 'origin');
    requestSignInLink(services, request, request.body.email);
    return reply.code(202).send({ message: 'If this address holds credentials here, a sign-in link valid for 15 minutes is on its way.' });
  });

  app.get('/v1/me/credentials', { schema: s.credentials }, async (request, reply) => {
    const email = herEmail(request);
    reply.header('cache-control', 'private, no-store');
    const [credentials, hours] = await Promise.all([learners.credentials(email), learners.hours(email)]);
    return { credentials, hours };
  });

  app.patch<{ Params: { id: string }; Body: { public: boolean } }>('/v1/me/credentials/:id', { schema: s.setVisibility }, async (request) =>
    learners.setPublic(herEmail(request), request.params.id, request.body.public),
  );

  app.post<{ Body: { name: string; credentialIds: string[] } }>('/v1/me/collections', { schema: s.createCollection }, async (request, reply) => {
    const created = await learners.createCollection(herEmail(request), request.body);
    return reply.code(201).header('location', created.url).send(created);
  });

  app.get('/v1/me/collections', { schema: s.collections }, async (request, reply) => {
    reply.header('cache-control', 'private, no-store');
    return { collections: await learners.collections(herEmail(request)) };
  });

  app.delete<{ Params: { id: string } }>('/v1/me/collections/:id', { schema: s.withdrawCollection }, async (request, reply) => {
    await learners.withdrawCollection(herEmail(request), request.params.id);
    return reply.code(204).send();
  });

  app.get('/v1/me/export', { schema: s.export }, async (request, reply) => {
    const exported = await learners.export(herEmail(request));
    reply.header('cache-control', 'private, no-store');
    reply.header('content-disposition', `attachment; filename="ieum-credentials-${exported.exportedAt.slice(0, 10)}.json"`);
    return exported;
  });

  app.post('/v1/me/sign-out', { schema: s.signOut }, async (request, reply) => {
    herEmail(request);
    await signIn.signOut(request.cookies[signIn.cookieName] ?? '');
    clearSession(services, reply);
    return reply.code(204).send();
  });

  app.delete('/v1/me', { schema: s.deleteMe }, async (request, reply) => {
    await signIn.deleteSignInData(herEmail(request));
    clearSession(services, reply);
    return reply.code(204).send();
  });
}
