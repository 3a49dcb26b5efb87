/**
 * The learner's pages: /me and its forms, the sign-in link's page, and shared collections /p/{id}.
 * Forms post application/x-www-form-urlencoded and answer with a redirect (303) back to /me, so
 * every action works without script. Same security headers and CSP as the public pages.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { emailAddress, nameText, uuidParam } from '../../schemas/common.js';
import { learnerSecurity } from '../../schemas/learners.js';
import { AppError, ErrorCode } from '../errors.js';
import { messages, pickLanguage, type Lang } from '../pages/i18n.js';
import { secureHeaders } from '../pages/page.routes.js';
import { qrPng, qrSvg } from '../pages/qr.js';
import type { Services } from '../services.js';
import { clearSession, guardLearnerRoutes, requestSignInLink } from './me.routes.js';
import { collectionPage, collectionNotFoundPage, confirmPage, linkInvalidPage, linkSentPage, mePage, signedOutPage, walletOfferPage } from './me.templates.js';
import { fromAnotherSite, fromOurOrigin } from './origin.js';

type LangQuery = { Querystring: { lang?: Lang } };

const langQuery = { type: 'object', properties: { lang: { type: 'string', maxLength: 20 } } } as const;
const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 500 } }, required: ['id'] } as const;
const uuidParams = { type: 'object', properties: { id: uuidParam }, required: ['id'] } as const;
const FORM = 'application/x-www-form-urlencoded';
/** Public pages are rate-limited per client address (RATE_LIMIT_PER_MINUTE). */
const limited = { rateLimit: {} };

const page = (operationId: string, summary: string, extra: Record<string, unknown> = {}) => ({
  tags: ['pages'],
  operationId,
  summary,
  querystring: langQuery,
  produces: ['text/html'],
  ...extra,
});
const form = (operationId: string, summary: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  page(operationId, summary, { consumes: [FORM], body: { type: 'object', additionalProperties: false, ...body }, ...extra });

/** A form's fields; a field sent several times (checkboxes) becomes an array. */
function parseForm(body: string): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(body)) {
    const held = fields.get(key);
    fields.set(key, held === undefined ? value : ([] as string[]).concat(held, value));
  }
  // fromEntries defines own properties: a field named __proto__ is only a field.
  return Object.fromEntries(fields);
}

export async function mePageRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { signIn, learners, urls } = services;
  const origin = new URL(urls.base).origin;
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, parseForm(body as string)));
  app.addHook('onSend', async (_request, reply) => {
    // The sign-in link's pages keep their stricter same-origin.
    const referrerPolicy = reply.getHeader('referrer-policy');
    secureHeaders(reply);
    if (referrerPolicy) reply.header('referrer-policy', referrerPolicy);
    // Her pages are hers: never kept by a shared cache, never shown to the next person.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store');
  });
  guardLearnerRoutes(app, services, { required: false });

  const langOf = (request: FastifyRequest<LangQuery>) => pickLanguage(request.query.lang, request.headers['accept-language']);
  const htmlReply = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const backToMe = (reply: FastifyReply, lang: Lang, anchor = '') => reply.redirect(`/me?lang=${lang}${anchor}`, 303);
  const sessionEmail = (request: FastifyRequest) => signIn.sessionEmail(request.cookies[signIn.cookieName]);

  async function renderMe(email: string, lang: Lang, error?: string): Promise<string> {
    const [credentials, hours, collections] = await Promise.all([learners.credentials(email), learners.hours(email), learners.collections(email)]);
    return mePage({ lang, email, credentials, hours, collections, ...(error ? { error } : {}) });
  }

  app.get<LangQuery>(
    '/me',
    { config: limited, schema: page('getMyPage', 'Her page: signed out, the sign-in form; signed in, every credential of hers') },
    async (request, reply) => {
      const lang = langOf(request);
      reply.header('vary', 'cookie, accept-language');
      const email = await sessionEmail(request);
      return htmlReply(reply, email ? await renderMe(email, lang) : signedOutPage(lang));
    },
  );

  app.post<LangQuery & { Body: { email: string } }>(
    '/me/link',
    {
      config: limited,
      schema: form('requestSignInLinkForm', 'The sign-in form: mails a link (the same answer whatever the address)', {
        required: ['email'],
        properties: { email: emailAddress },
      }),
    },
    async (request, reply) => {
      if (fromAnotherSite(request.headers, origin))
        throw new AppError(403, ErrorCode.forbidden, `Ask for a sign-in link from this service's own pages (${origin})`, 'origin');
      requestSignInLink(services, request, request.body.email);
      return htmlReply(reply, linkSentPage(langOf(request)));
    },
  );

  app.get<{ Querystring: { lang?: Lang; token?: string } }>(
    '/me/sign-in',
    {
      config: limited,
      schema: page('getSignInLinkPage', "The mailed link's page: one button signs her in (opening it uses nothing up)", {
        querystring: { type: 'object', properties: { lang: { type: 'string', maxLength: 20 }, token: { type: 'string', maxLength: 200 } } },
      }),
    },
    async (request, reply) => {
      // The token never leaves in a Referer to another origin. Not no-referrer: with it, Chromium
      // sends `Origin: null` on the button's POST, which the CSRF check rightly refuses.
      reply.header('referrer-policy', 'same-origin');
      const lang = langOf(request);
      const token = request.query.token ?? '';
      if (await signIn.linkUsable(token)) return htmlReply(reply, confirmPage(lang, token));
      return htmlReply(reply, linkInvalidPage(lang), 410);
    },
  );

  app.post<LangQuery & { Body: { token: string } }>(
    '/me/sign-in',
    {
      config: limited,
      schema: form('signInWithLink', 'Use the link (from its page): sets the session cookie and goes to /me', {
        required: ['token'],
        properties: { token: { type: 'string', maxLength: 200 } },
      }),
    },
    async (request, reply) => {
      if (!fromOurOrigin(request.headers, origin)) throw new AppError(403, ErrorCode.forbidden, `Sign in from this service's own pages (${origin})`, 'origin');
      reply.header('referrer-policy', 'same-origin');
      const lang = langOf(request);
      const session = await signIn.signIn(request.body.token);
      if (!session) return htmlReply(reply, linkInvalidPage(lang), 410);
      reply.setCookie(signIn.cookieName, session, signIn.cookieOptions);
      return backToMe(reply, lang);
    },
  );

  // Her forms: the guard above has checked our origin; without a session they lead back to /me.
  app.post<LangQuery & { Params: { id: string }; Body: { public: 'true' | 'false' } }>(
    '/me/credentials/:id/visibility',
    {
      schema: form(
        'setMyCredentialVisibilityForm',
        'Make one of her credentials public or private (form)',
        { required: ['public'], properties: { public: { type: 'string', enum: ['true', 'false'] } } },
        { params: uuidParams, security: learnerSecurity },
      ),
    },
    async (request, reply) => {
      const lang = langOf(request);
      const email = await sessionEmail(request);
      if (!email) return backToMe(reply, lang);
      const changed = await learners.setPublic(email, request.params.id, request.body.public === 'true');
      return backToMe(reply, lang, `#c-${changed.id}`);
    },
  );

  app.post<LangQuery & { Params: { id: string } }>(
    '/me/credentials/:id/wallet',
    {
      schema: page('offerMyCredentialToWalletForm', 'Take one of her credentials into a wallet: a page with its OpenID4VCI offer and QR (form)', {
        params: uuidParams,
        security: learnerSecurity,
        consumes: [FORM],
      }),
    },
    async (request, reply) => {
      const lang = langOf(request);
      const email = await sessionEmail(request);
      if (!email) return backToMe(reply, lang);
      try {
        const offer = await learners.walletOffer(email, request.params.id);
        return htmlReply(reply, walletOfferPage(lang, offer));
      } catch (error) {
        // Revoked, suspended, or itself a wallet's copy: said on her page rather than as JSON.
        if (error instanceof AppError && error.status === 409)
          return htmlReply(reply, await renderMe(email, lang, messages(lang)['me.walletUnavailable']), 409);
        throw error;
      }
    },
  );

  app.post<LangQuery & { Body: { name?: string; credentialIds?: string | string[] } }>(
    '/me/collections',
    {
      schema: form(
        'createMyCollectionForm',
        'Make a collection of her credentials (form)',
        {
          properties: {
            name: { anyOf: [nameText(200), { type: 'string', maxLength: 0 }] },
            credentialIds: { anyOf: [uuidParam, { type: 'array', maxItems: 100, items: uuidParam }] },
          },
        },
        { security: learnerSecurity },
      ),
    },
    async (request, reply) => {
      const lang = langOf(request);
      const email = await sessionEmail(request);
      if (!email) return backToMe(reply, lang);
      const ids = [...new Set(([] as string[]).concat(request.body.credentialIds ?? []))];
      const name = request.body.name ?? '';
      if (!name || ids.length === 0) return htmlReply(reply, await renderMe(email, lang, messages(lang)['me.collectionError']), 400);
      const created = await learners.createCollection(email, { name, credentialIds: ids });
      return backToMe(reply, lang, `#p-${created.id}`);
    },
  );

  app.post<LangQuery & { Params: { id: string } }>(
    '/me/collections/:id/withdraw',
    { schema: page('withdrawMyCollectionForm', 'Withdraw one of her collections (form)', { params: uuidParams, security: learnerSecurity, consumes: [FORM] }) },
    async (request, reply) => {
      const lang = langOf(request);
      const email = await sessionEmail(request);
      if (!email) return backToMe(reply, lang);
      await learners.withdrawCollection(email, request.params.id);
      return backToMe(reply, lang, '#collections');
    },
  );

  app.post<LangQuery>(
    '/me/sign-out',
    { schema: page('signOutLearnerForm', 'Sign out (form)', { security: learnerSecurity, consumes: [FORM] }) },
    async (request, reply) => {
      await signIn.signOut(request.cookies[signIn.cookieName] ?? '');
      clearSession(services, reply);
      return backToMe(reply, langOf(request));
    },
  );

  app.post<LangQuery>(
    '/me/delete',
    { schema: page('deleteMySignInDataForm', 'Delete her sign-in data: sessions, links, collections (form)', { security: learnerSecurity, consumes: [FORM] }) },
    async (request, reply) => {
      const email = await sessionEmail(request);
      if (email) await signIn.deleteSignInData(email);
      clearSession(services, reply);
      return backToMe(reply, langOf(request));
    },
  );

  // Shared collections: public, found by an unguessable id; withdrawn or unknown is the 404 page.
  async function sharedOr404(request: FastifyRequest<LangQuery & { Params: { id: string } }>, reply: FastifyReply) {
    const collection = await learners.sharedCollection(request.params.id);
    if (!collection) htmlReply(reply, collectionNotFoundPage(langOf(request)), 404);
    return collection;
  }

  app.get<LangQuery & { Params: { id: string } }>(
    '/p/:id',
    { config: limited, schema: page('getCollectionPage', 'A collection she shares: each credential with its live verdict, one QR', { params: idParams }) },
    async (request, reply) => {
      const collection = await sharedOr404(request, reply);
      if (!collection) return reply;
      reply.header('cache-control', 'no-cache');
      return htmlReply(reply, collectionPage(langOf(request), collection));
    },
  );

  for (const [format, operationId] of [
    ['svg', 'getCollectionQrSvg'],
    ['png', 'getCollectionQrPng'],
  ] as const) {
    app.get<LangQuery & { Params: { id: string } }>(
      `/p/:id/qr.${format}`,
      {
        config: limited,
        schema: page(operationId, `QR code of the collection's link (${format.toUpperCase()})`, {
          params: idParams,
          produces: [`image/${format === 'svg' ? 'svg+xml' : 'png'}`],
        }),
      },
      async (request, reply) => {
        const url = await learners.sharedCollectionUrl(request.params.id);
        if (!url) return htmlReply(reply, collectionNotFoundPage(langOf(request)), 404);
        reply.header('cache-control', 'no-cache');
        return format === 'svg' ? reply.type('image/svg+xml').send(await qrSvg(url)) : reply.type('image/png').send(await qrPng(url));
      },
    );
  }
}
