/**
 * Stored e-mails are personal data and never reach a log (DESIGN.md, "Learners"); sign-in tokens are
 * secrets. Fastify logs every request's URL, and a URL can carry either: an issuer's
 * `/v1/credentials?learner=<e-mail>`, a learner's `/me/sign-in?token=…`, an address typed into a path.
 * Request lines are logged with such values replaced. Bodies are never logged.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Anything holding an @ (also percent-encoded) between URL delimiters. */
const ADDRESS = /[^/?&=#;]*(?:@|%40)[^/?&=#;]*/gi;
/** Values of query parameters that are secrets. */
const SECRET_PARAMS = /([?&](?:token|code)=)[^&#]*/gi;

/** The URL as it may be logged. */
export function loggableUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]').replace(ADDRESS, '[email]');
}

/** Fastify's request serializer, with the URL made loggable. */
function privateRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: loggableUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Logger options with the private request serializer (which wins over any other). */
export function logPrivately(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === true) return { serializers: { req: privateRequest } } as FastifyServerOptions['logger'];
  if (!logger || typeof logger !== 'object') return logger;
  const options = logger as { serializers?: Record<string, unknown> };
  return { ...logger, serializers: { ...options.serializers, req: privateRequest } } as FastifyServerOptions['logger'];
}
