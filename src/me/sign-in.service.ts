/**
 * Sign-in by e-mail link, and the sessions it opens (docs/decisions/learner-sign-in.md). Tokens are
 * 32 random bytes; only their SHA-256 digests are stored. A link is single use and lives 15 minutes;
 * a session lives 7 days. Asking for a link answers the same whatever the address: a link is made
 * and mailed only to an address that holds a credential here, within the limits.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { normaliseEmail } from '../learners/learner.repository.js';
import type { Mail, Mailer } from '../mail/mailer.js';
import type { Urls } from '../urls.js';
import { hasCredentials } from './me.repository.js';
import { signInMail } from './sign-in-mail.js';
import {
  consumeSignInLink,
  deleteSession,
  deleteSignInData,
  deleteStaleSignInLinks,
  findSessionEmail,
  findUsableSignInLink,
  insertSignInLinkWithinLimit,
} from './sign-in.repository.js';

/** How long a sign-in link works. */
export const LINK_LIFETIME_SECONDS = 15 * 60;
/** How long a session lasts from sign-in (not extended by use). */
export const SESSION_LIFETIME_SECONDS = 7 * 24 * 60 * 60;
/** Links per e-mail within LINK_LIMIT_WINDOW_SECONDS, counted in the database (every instance agrees). */
export const LINKS_PER_EMAIL = 3;
export const LINK_LIMIT_WINDOW_SECONDS = 15 * 60;
/** Link requests per client address within the window, counted by each instance. */
export const REQUESTS_PER_ADDRESS = 10;

/**
 * The session cookie's name: with the `__Host-` prefix over HTTPS, so that the browser accepts it
 * only Secure, for Path=/ and for this host alone (RFC 6265bis §4.1.3.2).
 */
export function sessionCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https:') ? '__Host-ieum-session' : 'ieum-session';
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');
/** A token as we make them: 43 base64url characters. Anything else is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Whether an address's own request counter allows another link request (in memory, per instance). */
function createAddressLimiter(max: number, windowMs: number) {
  const counts = new Map<string, { count: number; resetAt: number }>();
  return (address: string): boolean => {
    const now = Date.now();
    if (counts.size > 10_000) for (const [key, value] of counts) if (value.resetAt <= now) counts.delete(key);
    const entry = counts.get(address);
    if (!entry || entry.resetAt <= now) {
      counts.set(address, { count: 1, resetAt: now + windowMs });
      return true;
    }
    entry.count++;
    return entry.count <= max;
  };
}

/** Nodemailer's messages can quote the recipient ("550 <a@b> rejected"): no address reaches a log. */
export function withoutAddresses(message: string): string {
  return message.replace(/[^\s<>()"',;:]+@[^\s<>()"',;:]+/g, '[address]');
}

export type SignInService = ReturnType<typeof createSignInService>;

export function createSignInService(deps: { db: Db; urls: Urls; mailer: Mailer }) {
  const { db, urls, mailer } = deps;
  const cookieName = sessionCookieName(urls.base);
  const secure = urls.base.startsWith('https:');
  const addressAllows = createAddressLimiter(REQUESTS_PER_ADDRESS, LINK_LIMIT_WINDOW_SECONDS * 1000);
  const sending = new Set<Promise<void>>();

  /**
   * A request for a link. Resolves to the mail to send, or undefined: unknown address, over a
   * limit, or no SMTP server configured. The caller answers the same in every case.
   */
  async function requestLink(email: string, clientAddress: string): Promise<Mail | undefined> {
    if (!mailer.configured) return undefined;
    if (!addressAllows(clientAddress)) return undefined;
    const address = normaliseEmail(email);
    if (!(await hasCredentials(db, address))) return undefined;
    await deleteStaleSignInLinks(db, address);
    const token = newToken();
    const stored = await insertSignInLinkWithinLimit(
      db,
      { tokenHash: digest(token), email: address, lifetimeSeconds: LINK_LIFETIME_SECONDS },
      { max: LINKS_PER_EMAIL, windowSeconds: LINK_LIMIT_WINDOW_SECONDS },
    );
    if (!stored) return undefined;
    return signInMail(address, `${urls.base}/me/sign-in?token=${token}`, LINK_LIFETIME_SECONDS / 60);
  }

  return {
    cookieName,
    /** The session cookie's attributes (for @fastify/cookie's setCookie and clearCookie). */
    cookieOptions: { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, maxAge: SESSION_LIFETIME_SECONDS },

    /**
     * A request for a link, worked out after the answer has gone: whether the address holds
     * credentials, the limits, the mail. So neither the answer nor how long it takes tells anything.
     * Failures (the database, the SMTP server) go to `onError`, without any address.
     */
    requestLinkLater(email: string, clientAddress: string, onError: (message: string) => void): void {
      const work = requestLink(email, clientAddress)
        .then((mail) => (mail ? mailer.send(mail) : undefined))
        .catch((error: unknown) => onError(withoutAddresses(error instanceof Error ? error.message : String(error))))
        .finally(() => sending.delete(work));
      sending.add(work);
    },

    /** Whether mail can go out at all (SMTP_URL set). */
    mailConfigured: mailer.configured,

    /** Link requests still being worked out, and their mails, finish before the service closes (tests wait on it too). */
    async drain(): Promise<void> {
      await Promise.allSettled([...sending]);
    },

    /** Whether a link would still sign her in (the confirmation page), without using it. */
    async linkUsable(token: string): Promise<boolean> {
      return TOKEN_SHAPE.test(token) && (await findUsableSignInLink(db, digest(token))) !== undefined;
    },

    /** Uses a link: the new session's token, or undefined when the link is unknown, used or expired. */
    async signIn(token: string): Promise<string | undefined> {
      if (!TOKEN_SHAPE.test(token)) return undefined;
      const session = newToken();
      const email = await consumeSignInLink(db, digest(token), { tokenHash: digest(session), lifetimeSeconds: SESSION_LIFETIME_SECONDS });
      return email ? session : undefined;
    },

    /** Whose session a cookie value is: her normalised e-mail, or undefined. */
    async sessionEmail(token: string | undefined): Promise<string | undefined> {
      if (!token || !TOKEN_SHAPE.test(token)) return undefined;
      return findSessionEmail(db, digest(token));
    },

    async signOut(token: string): Promise<void> {
      if (TOKEN_SHAPE.test(token)) await deleteSession(db, digest(token));
    },

    /** DELETE /v1/me: her sessions, sign-in links and collections. */
    deleteSignInData: (email: string) => deleteSignInData(db, email),
  };
}
