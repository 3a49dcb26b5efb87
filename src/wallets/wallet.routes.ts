/**
 * OpenID4VCI 1.0 routes (src/wallets/wallet.service.ts): metadata, the institution's offer, and the
 * token, nonce and credential endpoints a wallet calls. The wallet-facing endpoints answer errors in
 * OAuth's vocabulary (`{ error, error_description }`), schema failures included; everything else
 * (the offer, an internal fault) goes to the service's problem+json handler.
 */
import formBody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { walletRoutesSchema as s } from '../../schemas/wallets.js';
import { actorOf } from '../auth/auth.js';
import { errorHandler, toProblem } from '../errors.js';
import type { Services } from '../services.js';
import { WalletProtocolError } from './wallet.service.js';

/** RFC 6749 §5.1/§5.2 and RFC 6750 §3: no caching of tokens, nonces or their errors; a Bearer challenge with invalid_token. */
function sendProtocolError(reply: FastifyReply, error: WalletProtocolError): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (error.status === 401) reply.header('www-authenticate', `Bearer error="${error.error}"`);
  return reply.code(error.status).send({ error: error.error, error_description: error.description });
}

/** Each wallet-facing endpoint's word for a request it cannot read. */
const PROTOCOL_ERROR_OF: Record<string, string> = { '/token': 'invalid_request', '/credential': 'invalid_credential_request' };

/** A schema failure of a wallet-facing body, in the endpoint's own vocabulary. */
function rejectInvalid(request: FastifyRequest, error: string): void {
  if (request.validationError) throw new WalletProtocolError(400, error, `The request is not valid: ${request.validationError.message}`);
}

export async function walletRoutes(app: FastifyInstance, { wallets }: Services): Promise<void> {
  // Only this scope reads forms: the token endpoint takes application/x-www-form-urlencoded (RFC 6749 §4.1.3).
  await app.register(formBody, { bodyLimit: 16 * 1024 });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof WalletProtocolError) return sendProtocolError(reply, error);
    // A body the wallet endpoints could not read (not JSON, prototype keys, NUL characters) is
    // their own invalid request too: wallets read OAuth's vocabulary, and these routes declare it.
    const vocabulary = PROTOCOL_ERROR_OF[request.routeOptions.url ?? ''];
    const { status, detail } = toProblem(error);
    if (vocabulary && status === 400) return sendProtocolError(reply, new WalletProtocolError(400, vocabulary, detail));
    return errorHandler(error, request, reply);
  });

  app.get('/.well-known/openid-credential-issuer', { schema: s.issuerMetadata }, async () => wallets.issuerMetadata());
  app.get('/.well-known/oauth-authorization-server', { schema: s.authorizationServerMetadata }, async () => wallets.authorizationServerMetadata());

  app.post<{ Params: { id: string }; Body: { txCode?: boolean } | null }>('/v1/credentials/:id/offer', { schema: s.createOffer }, async (request, reply) => {
    const { issuer, principal } = await app.authenticateIssuerWithPrincipal(request);
    const offer = await wallets.createOfferForIssuer(issuer, request.params.id, { actor: actorOf(principal), txCode: request.body?.txCode === true });
    reply.header('cache-control', 'no-store');
    return reply.code(201).send(offer);
  });

  app.post<{ Body: { grant_type?: string; 'pre-authorized_code'?: string; tx_code?: string } }>(
    '/token',
    { schema: s.token, attachValidation: true, config: { rateLimit: {} } },
    async (request, reply) => {
      rejectInvalid(request, 'invalid_request');
      const token = await wallets.exchangeCode(request.body ?? {});
      reply.header('cache-control', 'no-store');
      return token;
    },
  );

  app.post('/nonce', { schema: s.nonce, config: { rateLimit: {} } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return wallets.newNonce();
  });

  app.post<{ Body: Parameters<Services['wallets']['issueToWallet']>[1] }>(
    '/credential',
    { schema: s.credential, attachValidation: true, config: { rateLimit: {} } },
    async (request, reply) => {
      // No token is invalid_token (401) before anything is said about the body.
      if (request.validationError) await wallets.requireAccessToken(request.headers.authorization);
      rejectInvalid(request, 'invalid_credential_request');
      const answer = await wallets.issueToWallet(request.headers.authorization, request.body ?? {});
      reply.header('cache-control', 'no-store');
      return answer;
    },
  );
}
