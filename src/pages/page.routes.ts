/**
 * Public pages and files: the credential page (ko/en), its print view, QR codes, downloads and
 * baked badges, and the verify page for employers. Strict security headers on all of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInput } from '../invalid-input.js';
import { createCache } from '../cache.js';
import { AppError, ErrorCode } from '../errors.js';
import type { Services } from '../services.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import type { PublicCredential } from './page.service.js';
import { inputFromText, textFromFile } from '../verify/input.js';
import type { Verdict, VerifyInput } from '../verify/verdict.js';
import { PAGE_HEADERS } from './html.js';
import { messages, pickLanguage, type Lang } from './i18n.js';
import { qrPng, qrSvg } from './qr.js';
import { credentialPage, notFoundPage, printPage, privatePage, verifyPage } from './templates.js';

const assetsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'ieum.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(assetsDir, 'ieum.css')) },
  'ieum.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(assetsDir, 'ieum.js')) },
};

export function secureHeaders(reply: FastifyReply): void {
  reply.headers(PAGE_HEADERS);
}

const JSON_LD_TYPES = ['application/ld+json', 'application/vc+ld+json', 'application/vc', 'application/json'];

function wantsJsonLd(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  if (accept.includes('text/html')) return false;
  return JSON_LD_TYPES.some((type) => accept.includes(type));
}

/** The signed JSON-LD; a credential secured by its JWT alone has none (its JSON carries no proof). */
function signedJsonLd(credential: PublicCredential): Record<string, unknown> {
  if (securedByJwtAlone(credential.credential))
    throw new AppError(404, 'not-found', `This credential is secured by its JWT alone: download /c/${credential.id}/credential.jwt`);
  return credential.credential;
}

// Pages never answer a person with a JSON error: an odd id is the 404 page, an unknown language
// falls back to Accept-Language, an unknown view is the normal page.
const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 500 } }, required: ['id'] } as const;
const langQuery = {
  type: 'object',
  properties: { lang: { type: 'string', maxLength: 20 }, view: { type: 'string', maxLength: 20 } },
} as const;
const pageSchema = (operationId: string, summary: string, produces = 'text/html') => ({
  tags: ['pages'],
  operationId,
  summary,
  params: idParams,
  querystring: langQuery,
  produces: [produces],
});

/** Rendered credential pages kept (one per credential, language and view; the oldest goes first). */
const RENDERED_PAGES = 2_000;

/** Public pages are rate-limited per client address (RATE_LIMIT_PER_MINUTE). */
const limited = { rateLimit: {} };

type IdRequest = { Params: { id: string }; Querystring: { lang?: Lang; view?: 'print' } };

export async function pageRoutes(app: FastifyInstance, { pages, verify, urls, signIn, certificates }: Services): Promise<void> {
  await app.register(multipart, { limits: { fileSize: 2 * 1024 * 1024, files: 1, fields: 4, fieldSize: 512 * 1024 } });
  app.addHook('onSend', async (_request, reply) => secureHeaders(reply));

  const renderedPages = createCache<{ verdict: Verdict; html: string }>({ maxEntries: RENDERED_PAGES });
  const langOf = (request: FastifyRequest<{ Querystring: { lang?: Lang } }>) => pickLanguage(request.query.lang, request.headers['accept-language']);

  /**
   * Whether this request may see a credential whole: it is public, or it is private and the request
   * carries her own session (docs/decisions/learner-sign-in.md). Her view is never kept by a cache.
   */
  async function mayShow(request: FastifyRequest, reply: FastifyReply, id: string): Promise<boolean> {
    const privacy = await pages.privacy(id);
    if (!privacy.private) return true;
    reply.header('vary', 'cookie');
    reply.header('cache-control', 'private, no-store');
    const email = privacy.email && (await signIn.sessionEmail(request.cookies[signIn.cookieName]));
    return email === privacy.email;
  }

  /** Whether the request carries the session of the learner with this e-mail. */
  async function isHers(request: FastifyRequest, email: string): Promise<boolean> {
    return (await signIn.sessionEmail(request.cookies[signIn.cookieName])) === email;
  }

  /**
   * The credential of a public page or file; undefined once answered: unknown (the 404 page), or
   * private (the page that says only that, or for a file a 403 problem).
   */
  async function found(request: FastifyRequest<IdRequest>, reply: FastifyReply, as: 'page' | 'file' = 'file') {
    const credential = await pages.find(request.params.id);
    if (!credential) {
      reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(notFoundPage(langOf(request)));
      return undefined;
    }
    if (!(await mayShow(request, reply, credential.id))) {
      if (as === 'file') throw new AppError(403, ErrorCode.credentialPrivate, 'This credential is private: its learner has chosen not to show it here');
      const lang = langOf(request);
      reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(privatePage(lang, `/c/${credential.id}?lang=${lang === 'ko' ? 'en' : 'ko'}`));
      return undefined;
    }
    return credential;
  }

  app.get(
    '/assets/:name',
    { schema: { hide: true, params: { type: 'object', properties: { name: { type: 'string', maxLength: 40 } } } } },
    async (request, reply) => {
      const asset = ASSETS[(request.params as { name: string }).name];
      if (!asset) throw new AppError(404, 'not-found', 'No such asset');
      reply.header('cache-control', 'public, max-age=3600');
      return reply.type(asset.type).send(asset.body);
    },
  );

  // Browsers ask for it on every page; an empty answer keeps the logs free of 404s.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

  app.get<{ Querystring: { lang?: Lang } }>(
    '/',
    {
      config: limited,
      schema: {
        tags: ['pages'],
        operationId: 'getHomePage',
        summary: 'The home page (ko/en): what this service is, a verify box, the institutions it hosts',
        querystring: langQuery,
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      reply.header('vary', 'accept-language');
      return reply.type('text/html; charset=utf-8').send(await pages.homePage(request.query.lang, request.headers['accept-language']));
    },
  );

  app.get<{ Params: { slug: string } }>(
    '/issuers/:slug/logo.png',
    {
      config: limited,
      schema: {
        tags: ['pages'],
        operationId: 'getIssuerLogo',
        summary: "The institution's logo (PNG), shown on its page",
        params: { type: 'object', properties: { slug: { type: 'string', maxLength: 63 } }, required: ['slug'] },
        produces: ['image/png'],
      },
    },
    async (request, reply) => {
      const logo = await pages.institutionLogo(request.params.slug);
      if (!logo) throw new AppError(404, ErrorCode.notFound, `Institution "${request.params.slug}" has no logo here`);
      // A logo changes seldom; a minute keeps a change visible soon.
      reply.header('cache-control', 'public, max-age=60');
      return reply.type('image/png').send(logo);
    },
  );

  app.get<IdRequest>(
    '/c/:id',
    { config: limited, schema: pageSchema('getCredentialPage', "The credential's public page; application/ld+json gives the credential") },
    async (request, reply) => {
      const credential = await found(request, reply, wantsJsonLd(request) ? 'file' : 'page');
      if (!credential) return reply;
      reply.header('vary', reply.hasHeader('vary') ? 'accept, accept-language, cookie' : 'accept, accept-language');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
      if (wantsJsonLd(request)) return reply.type('application/vc+ld+json').send(signedJsonLd(credential));
      const lang = langOf(request);
      const verdict = await pages.verdict(credential);
      const print = request.query.view === 'print';
      const privacy = await pages.privacy(credential.id);
      const base = {
        lang,
        id: credential.id,
        url: credential.url,
        credential: credential.credential,
        verdict,
        langSwitchHref: `/c/${credential.id}?lang=${lang === 'ko' ? 'en' : 'ko'}`,
        kind: credential.kind,
        badgeSize: pages.badgeSize(credential),
      };
      // Read when the page is rendered: the certificate number (if one was taken), English names,
      // when and why it was revoked or suspended.
      const withDetails = async () => ({ ...base, details: await certificates.pageDetails(credential.id) });
      // Her own view, while her session is present: a private credential whole, with a word that
      // only she sees it, and on any of hers the button that takes it into a wallet. Never kept in
      // the cache of rendered pages, nor by any other cache.
      const hers = !print && privacy.email !== null && request.cookies[signIn.cookieName] !== undefined && (await isHers(request, privacy.email));
      if ((privacy.private && !print) || hers) {
        reply.header('cache-control', 'private, no-store');
        reply.header('vary', 'accept, accept-language, cookie');
        const walletAction = hers ? `/me/credentials/${credential.id}/wallet?lang=${lang}` : undefined;
        const notice = privacy.private ? messages(lang)['me.privateNotice'] : undefined;
        return reply.type('text/html; charset=utf-8').send(credentialPage({ ...(await withDetails()), walletAction, notice }));
      }
      // The page is a function of the credential, the language, the view and the verdict; while the
      // verdict is reused, so is the page.
      const key = `${credential.id}|${lang}|${print ? 'print' : 'page'}`;
      let rendered = renderedPages.get(key);
      if (rendered?.verdict !== verdict) {
        const input = await withDetails();
        rendered = { verdict, html: print ? printPage(input) : credentialPage(input) };
        renderedPages.set(key, rendered);
      }
      return reply.type('text/html; charset=utf-8').send(rendered.html);
    },
  );

  app.get<IdRequest>(
    '/c/:id/qr.svg',
    { config: limited, schema: pageSchema('getCredentialQrSvg', 'QR code of the page URL (SVG, for print)', 'image/svg+xml') },
    async (request, reply) => {
      const credential = await found(request, reply);
      if (!credential) return reply;
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'public, max-age=86400');
      return reply.type('image/svg+xml').send(await qrSvg(credential.url));
    },
  );

  app.get<IdRequest>(
    '/c/:id/qr.png',
    { config: limited, schema: pageSchema('getCredentialQrPng', 'QR code of the page URL (PNG)', 'image/png') },
    async (request, reply) => {
      const credential = await found(request, reply);
      if (!credential) return reply;
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'public, max-age=86400');
      return reply.type('image/png').send(await qrPng(credential.url));
    },
  );

  app.get<IdRequest>(
    '/c/:id/credential.json',
    { config: limited, schema: pageSchema('downloadCredentialJson', 'The signed credential (JSON-LD)', 'application/vc+ld+json') },
    async (request, reply) => {
      const credential = await found(request, reply);
      if (!credential) return reply;
      reply.header('content-disposition', `attachment; filename="credential-${credential.id}.json"`);
      return reply.type('application/vc+ld+json').send(JSON.stringify(signedJsonLd(credential), null, 2));
    },
  );

  app.get<IdRequest>(
    '/c/:id/credential.jwt',
    { config: limited, schema: pageSchema('downloadCredentialJwt', 'The credential as a VC-JOSE JWT', 'application/vc+jwt') },
    async (request, reply) => {
      const credential = await found(request, reply);
      if (!credential) return reply;
      reply.header('content-disposition', `attachment; filename="credential-${credential.id}.jwt"`);
      return reply.type('application/vc+jwt').send(credential.jwt);
    },
  );

  app.get<IdRequest>(
    '/c/:id/badge.svg',
    { config: limited, schema: pageSchema('downloadBadgeSvg', 'The badge image with the credential baked in (SVG)', 'image/svg+xml') },
    async (request, reply) => {
      const credential = await found(request, reply);
      if (!credential) return reply;
      return reply.type('image/svg+xml').send(pages.badgeSvg(credential, langOf(request)));
    },
  );

  app.get<IdRequest>(
    '/c/:id/badge.png',
    { config: limited, schema: pageSchema('downloadBadgePng', 'The badge image with the credential baked in (PNG)', 'image/png') },
    async (request, reply) => {
      const credential = await found(request, reply);
      if (!credential) return reply;
      return reply.type('image/png').send(await pages.badgePng(credential, langOf(request)));
    },
  );

  app.get<{ Querystring: { lang?: Lang } }>(
    '/verify',
    {
      config: limited,
      schema: {
        tags: ['pages'],
        operationId: 'getVerifyPage',
        summary: 'The page where an employer pastes or drops a credential',
        querystring: langQuery,
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      return reply.type('text/html; charset=utf-8').send(verifyPage({ lang: langOf(request) }));
    },
  );

  app.post<{ Querystring: { lang?: Lang } }>(
    '/verify',
    {
      config: limited,
      schema: {
        tags: ['pages'],
        operationId: 'postVerifyPage',
        summary: 'Verify what was pasted or uploaded on the verify page',
        querystring: langQuery,
        consumes: ['multipart/form-data'],
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      const lang = langOf(request);
      const t = messages(lang);
      let text = '';
      let file: Buffer | undefined;
      let fileType = '';
      if (!request.isMultipart()) throw new AppError(415, 'unsupported-media-type', 'Send the form as multipart/form-data', 'content-type');
      const page = (input: Parameters<typeof verifyPage>[0], status = 200) => reply.code(status).type('text/html; charset=utf-8').send(verifyPage(input));
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            file = await part.toBuffer();
            fileType = `${part.mimetype} ${part.filename}`;
          } else if (part.fieldname === 'text') {
            // A field over the limit is cut short by the parser: refuse it rather than read half.
            if (part.valueTruncated) throw new AppError(413, ErrorCode.payloadTooLarge, 'The pasted text is larger than 512 KiB', 'text');
            text = String(part.value ?? '');
          }
        }
      } catch (error) {
        // The form's limits (one file of 2 MiB, a few fields): a browser gets the page saying so,
        // other clients problem+json (src/errors.ts).
        const status = (error as { statusCode?: number }).statusCode;
        const tooLarge = status === 413 || (error instanceof AppError && error.status === 413);
        if (tooLarge && request.headers.accept?.includes('text/html')) return page({ lang, error: t['verify.formTooLarge'] }, 413);
        if (tooLarge || error instanceof AppError) throw error;
        // Anything else the parser meets (a form cut short, a broken boundary) is the sender's.
        throw new AppError(400, ErrorCode.validation, 'The form is not well-formed multipart/form-data', 'body');
      }
      const source = file && file.length > 0 ? textFromFile(file, fileType) : text.trim();
      if (!source) return page({ lang, error: t['verify.empty'] });
      const shown = text.length > 20_000 ? '' : text;
      let input: VerifyInput | undefined;
      let credentialUrl: string | null = null;
      if (source.startsWith(urls.credential(''))) {
        // A link to one of our own credentials: read it from the database, never fetched.
        const found = await pages.find(source.slice(urls.credential('').length).split(/[?#/]/)[0] ?? '');
        if (!found) return page({ lang, text: shown, error: t['notFound.title'] });
        // A private credential is verified from the file or JWT she gives, not from its link.
        if (!(await mayShow(request, reply, found.id))) return page({ lang, text: shown, error: t['private.verifyLink'] });
        input = { credential: found.credential };
        credentialUrl = found.url;
      } else if (/^https?:\/\//i.test(source)) {
        return page({ lang, text: shown, error: t['verify.foreignLink'] });
      } else {
        input = inputFromText(source);
        if (!input) return page({ lang, text: shown, error: t['verify.notCredential'] });
      }
      try {
        const verdict = await verify.verify(input);
        const pageUrl = credentialUrl ?? verdict.pageUrl ?? null;
        // One of ours (pageUrl is set only for a credential our issuer signed): its English names on an English page.
        const ours =
          lang === 'en' && pageUrl?.startsWith(urls.credential('')) ? await certificates.pageDetails(pageUrl.slice(urls.credential('').length)) : undefined;
        return page({ lang, text: shown, verdict, credentialUrl: pageUrl, english: ours?.english });
      } catch (error) {
        // The verifier's detail is English; Korean pages keep to Korean.
        if (error instanceof InvalidInput)
          return page({ lang, text: shown, error: lang === 'ko' ? t['verify.notCredential'] : `${t['verify.notCredential']}: ${error.message}` });
        throw error;
      }
    },
  );
}
