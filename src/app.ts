/**
 * buildApp(config, deps): the whole service as a Fastify instance. Tests build it and call
 * `inject`; main.ts builds it and listens.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonLdDocumentSchema, problemSchema, type BearerRole } from '../schemas/common.js';
import { verdictSchema } from '../schemas/verify.js';
import { achievementRoutes } from './achievements/achievement.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { authenticate, createAuthFailureLimiter, requireIssuer, requireRole, type Principal } from './auth/auth.js';
import rateLimit from '@fastify/rate-limit';
import cookie from '@fastify/cookie';
import type { Config } from './config.js';
import { certificateRoutes } from './certificates/certificate.routes.js';
import { clrRoutes } from './clr/clr.routes.js';
import { credentialRoutes } from './credentials/credential.routes.js';
import type { Db } from './db/database.js';
import type { IssuerRow } from './db/types.js';
import { badRequest, clientErrorHandler, ErrorCode, errorHandler, findNulCharacter, problem, sendProblem, toProblem } from './errors.js';
import { healthRoutes } from './health/health.routes.js';
import { hoursRoutes } from './hours/hours.routes.js';
import { issuerRoutes } from './issuers/issuer.routes.js';
import { pageRoutes } from './pages/page.routes.js';
import { logPrivately } from './log-privacy.js';
import { releaseMemoryWhenQuiet } from './memory.js';
import { meRoutes } from './me/me.routes.js';
import { mePageRoutes } from './me/me-pages.routes.js';
import { sessionCookieName } from './me/sign-in.service.js';
import { createServices, type ServiceOptions, type Services } from './services.js';
import { statusRoutes } from './status/status.routes.js';
import { jsonNestingExceeds, tooDeep } from './untrusted-json.js';
import { vcApiRoutes } from './vcapi/vcapi.routes.js';
import { createSchemaCompilers } from './validation.js';
import { verifyRoutes } from './verify/verify.routes.js';
import { walletRoutes } from './wallets/wallet.routes.js';
import { backupRoutes } from './ops/backup.routes.js';
import { createBackupService } from './ops/backup.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    /** Who sends the request: the operator or an institution's API key. 401 otherwise. */
    authenticate(request: FastifyRequest): Promise<Principal>;
    /** The institution whose API key sent the request. 401/403 otherwise. */
    authenticateIssuer(request: FastifyRequest): Promise<IssuerRow>;
    authenticateIssuerWithPrincipal(request: FastifyRequest): Promise<{ issuer: IssuerRow; principal: Principal }>;
    /** Compiles every route schema not yet compiled (they compile on first use; src/validation.ts). */
    compileSchemas(): void;
  }
}

export interface AppDeps extends ServiceOptions {
  db: Db;
  /** Key-encryption key (32 bytes). */
  kek: Buffer;
  /** Pino options or a logger stream; tests capture log lines through it. */
  logger?: FastifyServerOptions['logger'];
  /** Close the database with the app (main does; tests may share one). */
  closeDatabase?: boolean;
}

/** How long closing waits for handlers still running after their clients have gone. */
const HANDLER_GRACE_MS = 30_000;

/**
 * Closing with grace: requests being handled finish, and their answers say `Connection: close`.
 * Keep-alive connections with nothing in flight are closed every SWEEP_MS while closing (Node's own
 * closeIdleConnections misses some, which then hold the server open for the 72 s keep-alive timeout).
 * The signer and the database close only once every handler has answered, so a request whose client
 * gave up is still finished, not cut short half-way (bounded by HANDLER_GRACE_MS). Returns what
 * onClose awaits before releasing them.
 */
function closeWithGrace(app: FastifyInstance): () => Promise<void> {
  const SWEEP_MS = 100;
  let closing = false;
  let handling = 0;
  let allAnswered: (() => void) | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  const answered = new WeakSet<FastifyRequest>();
  // Responses still being written, per connection: a connection at 0 may be closed.
  const inFlight = new Map<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  const answer = (request: FastifyRequest) => {
    // A reply is sent (onSend), or at the latest its response ends (onResponse); a client that has
    // gone gets no onResponse, but its handler still sends.
    if (answered.has(request)) return;
    answered.add(request);
    if (--handling === 0) allAnswered?.();
  };
  // Callback hooks: they run on every request, and cost less than async ones.
  app.addHook('onRequest', (request, _reply, done) => {
    handling++;
    // Only connections the server accepted (app.inject's requests have a stand-in socket).
    const socket = request.raw.socket;
    if (inFlight.has(socket)) inFlight.set(socket, inFlight.get(socket)! + 1);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    answer(request);
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    answer(request);
    const socket = request.raw.socket;
    if (inFlight.has(socket)) inFlight.set(socket, inFlight.get(socket)! - 1);
    done();
  });
  app.addHook('preClose', (done) => {
    closing = true;
    const sweep = () => {
      for (const [socket, count] of inFlight) if (count <= 0) socket.destroy();
    };
    sweep();
    sweeper = setInterval(sweep, SWEEP_MS);
    done();
  });
  return async () => {
    clearInterval(sweeper);
    if (handling === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (allAnswered = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, HANDLER_GRACE_MS).unref())),
    ]);
    clearTimeout(timer);
  };
}

/** Believe the nearest `hops` proxies (the hop count Fastify's types leave out). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** What an X-Request-Id a client sends must look like to be kept; anything else gets a fresh UUID. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every request's id (Fastify's genReqId): the client's X-Request-Id when it is sane, else a UUID.
 * It is answered in the X-Request-Id header, logged as `requestId`, and carried by every problem.
 */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const schemaCompilers = createSchemaCompilers();
  const app = Fastify({
    // Request lines are logged without e-mail addresses or sign-in tokens (src/log-privacy.ts).
    logger: logPrivately(
      deps.logger ?? {
        level: config.logLevel,
        redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.apiKey.token'], censor: '[redacted]' },
      },
    ),
    bodyLimit: config.bodyLimit,
    // Request ids: requestIdFor checks the client's X-Request-Id itself (Fastify's requestIdHeader
    // would take any value), and the logs label it as the header and the problem bodies do.
    requestIdHeader: false,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // /c/<id>/ is the same page as /c/<id>.
    routerOptions: { ignoreTrailingSlash: true },
    onProtoPoisoning: 'error',
    // 414, 431 and the like: problem+json as every other answer (src/errors.ts).
    frameworkErrors: (error, request, reply) => sendProblem(reply, { ...toProblem(error), instance: request.url.split('?')[0]!.slice(0, 200) }),
    clientErrorHandler,
    onConstructorPoisoning: 'error',
    // Who the client is, for the per-address limits: TRUST_PROXY names the proxies to believe.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    ajv: {
      customOptions: {
        // Unknown fields are an error, not silently dropped.
        removeAdditional: false,
        // Querystring, params and headers only: a JSON body is never coerced (src/validation.ts).
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
        // OpenAPI's `example` annotation, kept in the route schemas for the docs.
        keywords: ['example'],
      },
    },
    // One Ajv per part of the request, built from the options above, with the text rule
    // (src/text.ts); each route's validators and serializers compiled on first use.
    schemaController: { compilersFactory: schemaCompilers.compilersFactory },
  });
  app.decorate('compileSchemas', schemaCompilers.compileAll);

  // The first hooks of all, so that every answer carries the id, whatever stops the request later.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  const services = createServices(config, deps.db, deps.kek, deps);
  app.decorate('services', services);
  const authFailures = createAuthFailureLimiter(config.authFailureLimit);
  // A request is authenticated once: by the hook below for routes that declare bearer security,
  // before their body is read or validated, or when a handler first asks.
  const principals = new WeakMap<FastifyRequest, Promise<Principal>>();
  const authenticateOnce = (request: FastifyRequest): Promise<Principal> => {
    let principal = principals.get(request);
    if (!principal) {
      principal = authenticate(deps.db, config.adminToken, request, authFailures, services.apiKeys);
      principals.set(request, principal);
    }
    return principal;
  };
  app.decorate('authenticate', authenticateOnce);
  async function authenticateIssuerWithPrincipal(request: FastifyRequest) {
    const principal = await authenticateOnce(request);
    return { issuer: requireIssuer(principal).issuer, principal };
  }
  app.decorate('authenticateIssuerWithPrincipal', authenticateIssuerWithPrincipal);
  app.decorate('authenticateIssuer', async (request: FastifyRequest) => (await authenticateIssuerWithPrincipal(request)).issuer);

  // Only the media types a route declares are read; a plain-text body is 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  // JSON bodies: nesting bounded before parsing (src/untrusted-json.ts), then Fastify's own parser
  // with its prototype-poisoning checks.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestingExceeds(body as string)) return done(tooDeep('body'), undefined);
    parseJson(request, body as string, done);
  });
  app.setErrorHandler(errorHandler);
  const untilAnswered = closeWithGrace(app);
  // Who sends a request, and whether the route is theirs to call (the role its OpenAPI security
  // names), is settled before its body is parsed or validated: without a valid token the answer is
  // 401, with the wrong kind 403, never a validation error, and no body is read for either.
  // A callback hook, as the others that run on every request: only routes that need a token wait.
  app.addHook('onRequest', (request, _reply, done) => {
    const security = (request.routeOptions.schema as { security?: { bearerAuth?: BearerRole[] }[] } | undefined)?.security;
    // Only bearer routes: the learner's session routes check their cookie themselves (src/me/me.routes.ts).
    const roles = security?.[0]?.bearerAuth;
    if (!roles) return done();
    authenticateOnce(request)
      .then((principal) => {
        for (const role of roles) requireRole(principal, role);
      })
      .then(() => done(), done);
  });
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const field = findNulCharacter(part);
      if (field) throw badRequest('text must not contain the NUL character (U+0000)', field);
    }
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, ErrorCode.notFound, `No route ${request.method} ${request.url.split('?')[0]}`)));

  // Shared schemas, registered once and referred to by $ref (they become OpenAPI components).
  for (const schema of [problemSchema, jsonLdDocumentSchema, verdictSchema]) app.addSchema(schema);

  // The learner's session cookie (src/me), read on every route (a private credential's page asks for it).
  await app.register(cookie);

  // Per-route limits: the public verify and page routes opt in with `config.rateLimit`.
  await app.register(rateLimit, {
    global: false,
    max: config.publicRateLimit || Number.MAX_SAFE_INTEGER,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ieum (이음) API',
        version: '0.1.0',
        description:
          'Issue and verify Open Badges 3.0 / W3C Verifiable Credentials for training programmes. Every answer carries an X-Request-Id header: ' +
          'the X-Request-Id the request sent (1–128 characters of A–Z, a–z, 0–9 and . _ : -), or else a fresh UUID. Problem details repeat it as `requestId`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          walletAccessToken: { type: 'http', scheme: 'bearer', description: 'An OpenID4VCI access token from POST /token (src/wallets)' },
          learnerSession: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookieName(config.publicUrl),
            description: 'The session a mailed sign-in link opens (POST /v1/learner/sign-in). State-changing requests must also come from this origin.',
          },
        },
      },
      tags: [
        { name: 'issuers', description: 'Institutions, their API keys and signing keys' },
        { name: 'achievements', description: 'What an institution awards' },
        { name: 'credentials', description: 'Issuing and managing credentials' },
        { name: 'hours', description: 'The training-hours ledger' },
        { name: 'learners', description: 'Learners at your institution' },
        { name: 'verify', description: 'Verification verdicts' },
        { name: 'audit', description: 'The audit trail' },
        { name: 'vc-api', description: 'W3C VC-API routes for wallets and test suites' },
        { name: 'registry', description: 'External issuers the verifier knows (operator)' },
        { name: 'public', description: 'Public documents: profiles, DID documents, status lists' },
        { name: 'pages', description: 'Public HTML pages and files for learners and employers' },
        {
          name: 'wallets',
          description: 'OpenID4VCI 1.0: wallet offers (pre-authorized code), and the metadata, token, nonce and credential endpoints wallets call',
        },
        { name: 'me', description: "The learner's own routes: sign-in by e-mail link, her credentials, privacy and collections" },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const routes of [
    healthRoutes,
    issuerRoutes,
    achievementRoutes,
    credentialRoutes,
    clrRoutes,
    hoursRoutes,
    statusRoutes,
    verifyRoutes,
    pageRoutes,
    certificateRoutes,
    meRoutes,
    mePageRoutes,
    auditRoutes,
    vcApiRoutes,
    walletRoutes,
  ]) {
    await app.register(async (scope) => routes(scope, services));
  }
  // The operator's backup reads the database itself (src/ops), not through a capability's service.
  await app.register(async (scope) => backupRoutes(scope, createBackupService({ db: deps.db, config })));

  // The mail sender starts once the service answers: it needs the migrated database (main migrates
  // before it listens). The signing threads start with the first signature (src/crypto/signer.ts).
  app.addHook('onListen', (done) => {
    services.delivery.start(app.log);
    done();
  });
  // A burst's garbage (a cohort's, above all) goes back once the service is quiet (src/memory.ts).
  const memory = releaseMemoryWhenQuiet();
  app.addHook('onResponse', (_request, _reply, done) => {
    memory.busy();
    done();
  });
  app.addHook('onClose', async () => {
    memory.stop();
    await untilAnswered();
    // Mails in flight are recorded while the database is still open.
    await services.delivery.stop();
    await services.signIn.drain();
    await services.signer.close();
    services.mailer.close();
    if (deps.closeDatabase) await deps.db.destroy();
  });
  return app;
}
