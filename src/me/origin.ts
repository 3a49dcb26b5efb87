/**
 * CSRF: a request that changes her data must come from our own pages. Browsers say where a request
 * comes from in Origin (every POST, PATCH and DELETE a current browser makes), else Sec-Fetch-Site,
 * else Referer; a request that says none of them is refused too (docs/decisions/learner-sign-in.md).
 */
import type { IncomingHttpHeaders } from 'node:http';

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Whether the request shows it comes from `origin` (PUBLIC_URL's origin). */
export function fromOurOrigin(headers: IncomingHttpHeaders, origin: string): boolean {
  const from = one(headers.origin);
  // "null": a sandboxed frame, a file, a redirect across origins: never ours.
  if (from !== undefined) return from === origin;
  const site = one(headers['sec-fetch-site']);
  if (site !== undefined) return site === 'same-origin';
  const referer = one(headers.referer);
  if (referer === undefined) return false;
  try {
    return new URL(referer).origin === origin;
  } catch {
    return false;
  }
}

/**
 * Whether a browser says the request comes from another site. For the public request for a link,
 * which needs no session (so a forged one gains nothing): servers and scripts that say nothing pass.
 */
export function fromAnotherSite(headers: IncomingHttpHeaders, origin: string): boolean {
  const from = one(headers.origin);
  if (from !== undefined) return from !== origin;
  const site = one(headers['sec-fetch-site']);
  return site === 'cross-site' || site === 'same-site';
}
