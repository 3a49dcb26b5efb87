import type { FastifyInstance } from 'fastify';
import { verifyRoutesSchema as s } from '../../schemas/verify.js';
import { requireAdmin } from '../auth/auth.js';
import { badRequest } from '../errors.js';
import type { KnownIssuerInput } from '../registry/registry.service.js';
import type { Services } from '../services.js';
import { inputFromText, textFromFile, verifyInputOf } from './input.js';

/** Media types under which a raw compact JWS is accepted (VC-JOSE-COSE §3.1.1 and plain JWT). */
export const JWT_MEDIA_TYPES = ['application/vc+jwt', 'application/jwt', 'application/vc-ld+jwt'];

/** POST /v1/verify/batch's body limit (see the route). */
export const VERIFY_BATCH_BODY_LIMIT = 1024 * 1024;

export async function verifyRoutes(app: FastifyInstance, { verify, registry, credentials }: Services): Promise<void> {
  app.addContentTypeParser(JWT_MEDIA_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    done(null, { jwt: String(body) });
  });

  // A baked badge image (OB 3.0 §5.3) can be verified as it is.
  app.addContentTypeParser(['image/png', 'image/svg+xml'], { parseAs: 'buffer' }, (request, body, done) => {
    let input: ReturnType<typeof inputFromText>;
    try {
      input = inputFromText(textFromFile(body as Buffer, request.headers['content-type']), 'image');
    } catch (error) {
      return done(error as Error, undefined);
    }
    if (!input || (input.jwt !== undefined && input.jwt === '')) done(badRequest('the image carries no baked credential', 'body'), undefined);
    else done(null, input);
  });

  app.post<{ Body: { credential?: unknown; jwt?: string } }>('/v1/verify', { schema: s.verify, config: { rateLimit: {} } }, async (request) => {
    return verify.verify(request.body);
  });

  // Rate limited as /v1/verify (one request however many items). The body limit is 1 MiB, not 100 ×
  // the single 512 KiB: reading a JSON body (depth scan, parse, the NUL walk of src/app.ts) holds the
  // event loop about 35 ms per MiB, so a 3.6 MiB batch held it 125 ms, a 1 MiB one 40 ms. 100 of our
  // credentials take 200–300 KiB; larger ones go in smaller batches.
  app.post<{ Body: { items: unknown[] } }>(
    '/v1/verify/batch',
    { schema: s.verifyBatch, bodyLimit: VERIFY_BATCH_BODY_LIMIT, config: { rateLimit: {} } },
    async (request) => ({ results: await verify.verifyBatch(request.body.items) }),
  );

  app.get<{ Params: { id: string } }>('/v1/credentials/:id/verify', { schema: s.reverify }, async (request) => {
    const issuer = await app.authenticateIssuer(request);
    const stored = await credentials.get(issuer, request.params.id);
    return verify.verify(verifyInputOf(stored));
  });

  app.post<{ Body: KnownIssuerInput }>('/v1/known-issuers', { schema: s.addKnownIssuer }, async (request, reply) => {
    requireAdmin(await app.authenticate(request));
    return reply.code(201).send(await registry.addIssuer(request.body));
  });

  app.get('/v1/known-issuers', { schema: s.listKnownIssuers }, async (request) => {
    requireAdmin(await app.authenticate(request));
    return { items: await registry.listIssuers() };
  });

  app.delete<{ Params: { id: string } }>('/v1/known-issuers/:id', { schema: s.removeKnownIssuer }, async (request, reply) => {
    requireAdmin(await app.authenticate(request));
    await registry.removeIssuer(request.params.id);
    return reply.code(204).send();
  });

  app.post<{ Body: { credential: Record<string, any>; url?: string } }>('/v1/known-status-lists', { schema: s.addKnownStatusList }, async (request, reply) => {
    requireAdmin(await app.authenticate(request));
    const list = request.body.credential;
    const types = ([] as unknown[]).concat(list.type ?? []);
    if (!types.includes('BitstringStatusListCredential') || typeof list.id !== 'string') {
      throw badRequest('credential must be a BitstringStatusListCredential with an id', 'credential');
    }
    // Only a list whose signature verifies against a known issuer's key is kept.
    const verdict = await verify.verify({ credential: list });
    const proof = verdict.checks.find((c) => c.check === 'proof')!;
    if (proof.ok !== true) throw badRequest(`the status list does not verify: ${proof.detail}`, 'credential.proof');
    if (!verdict.credential.issuer.recognized) throw badRequest('register the list issuer first (POST /v1/known-issuers)', 'credential.issuer');
    const url = request.body.url ?? list.id;
    await registry.saveStatusList(url, verdict.credential.issuer.id!, list);
    return reply.code(201).send({ id: url, issuerId: verdict.credential.issuer.id });
  });

  app.get('/v1/known-status-lists', { schema: s.listKnownStatusLists }, async (request) => {
    requireAdmin(await app.authenticate(request));
    return { items: await registry.listStatusLists() };
  });
}
