/**
 * Sign-in by e-mail link, through a real SMTP server (bin/mail-sink.mjs as a child process): the
 * same 202 for every address, a mail only to one that holds credentials here, a link that works
 * once and for 15 minutes, the session cookie's flags, the limits, CSRF refusals, sign-out, and no
 * e-mail address or token in the logs.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/browser.js';
import { createAchievement, createIssuer, issueCredential } from '../helpers/fixtures.js';
import { startMailSink, type MailSink } from '../helpers/learner-mail.js';
import { FORM, mailedLink, ownOrigin, signInByMail, tokenOf, useLink } from '../helpers/learners.js';

let t: TestApp;
let sink: MailSink;
const logLines: string[] = [];
const MINJI = 'minji.kim@example.com';
const LIMITED = 'limited.learner@example.com';

/** Her links, once every request answered so far has been worked out (that happens after the 202). */
async function countLinks(email: string): Promise<number> {
  await t.app.services.signIn.drain();
  return Number((await sql<{ n: number }>`select count(*)::int as n from learner_sign_in_links where email = ${email}`.execute(t.db)).rows[0]!.n);
}

beforeAll(async () => {
  sink = await startMailSink();
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await buildTestApp({ env: { SMTP_URL: sink.smtpUrl, RATE_LIMIT_PER_MINUTE: '0' }, deps: { logger: { level: 'info', stream } } });
  const issuer = await createIssuer(t.app);
  const achievement = await createAchievement(t.app, issuer);
  // Issued as typed by the institution (mixed case); she signs in with the address in lower case.
  await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '김민지', email: 'Minji.Kim@Example.com' } });
  await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '박서연', email: LIMITED } });
});
// Each test asks for links anew: the links of the tests before it are moved out of the per-e-mail window.
beforeEach(async () => {
  await sql`update learner_sign_in_links set created_at = created_at - interval '1 hour'`.execute(t.db);
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('asking for a link', () => {
  it('answers the same 202 for an unknown address, and mails it nothing', async () => {
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: 'nobody@example.com' } });
    const known = await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: MINJI } });
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    await sink.waitForMails(MINJI);
    expect((await sink.mails()).filter((m) => m.to.includes('nobody@example.com'))).toEqual([]);
    expect(await countLinks('nobody@example.com')).toBe(0);
  });

  it('mails a single link, Korean first and English below, to the address in any case', async () => {
    const link = await mailedLink(t.app, sink, 'MINJI.KIM@example.COM');
    const mail = (await sink.waitForMails(MINJI)).at(-1)!;
    expect(link).toMatch(/^https:\/\/badges\.example\.kr\/me\/sign-in\?token=[A-Za-z0-9_-]{43}$/);
    expect(mail.text.indexOf('로그인')).toBeLessThan(mail.text.indexOf('sign in'));
    expect(mail.html).toContain(link.replace(/&/g, '&amp;'));
    // Only the digest is stored.
    const stored = await t.db.selectFrom('learner_sign_in_links').select('token_hash').where('email', '=', MINJI).execute();
    expect(stored.map((r) => r.token_hash)).toContain(createHash('sha256').update(tokenOf(link)).digest('hex'));
    expect(stored.map((r) => r.token_hash)).not.toContain(tokenOf(link));
  });

  it('refuses 400 naming the field for a malformed address', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: 'not an address' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('email');
  });
});

describe('using the link', () => {
  it('shows a page with one button when opened (a mail scanner uses nothing up), signs in once, never twice', async () => {
    const link = await mailedLink(t.app, sink, MINJI);
    const path = link.slice('https://badges.example.kr'.length);
    for (let i = 0; i < 2; i++) {
      const page = await t.app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['referrer-policy']).toBe('same-origin');
      expect(page.body).toContain(`name="token" value="${tokenOf(link)}"`);
      expect(page.body).toContain('action="/me/sign-in');
    }
    const first = await t.app.inject({
      method: 'POST',
      url: '/me/sign-in',
      headers: { ...FORM, ...ownOrigin(t.app) },
      payload: `token=${tokenOf(link)}`,
    });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toMatch(/^\/me/);
    const cookie = first.cookies.find((c) => c.name === '__Host-ieum-session')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/', maxAge: 7 * 24 * 3600 });
    expect(cookie.domain).toBeUndefined();
    const me = await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(me.statusCode).toBe(200);

    const second = await t.app.inject({ method: 'POST', url: '/me/sign-in', headers: { ...FORM, ...ownOrigin(t.app) }, payload: `token=${tokenOf(link)}` });
    expect(second.statusCode).toBe(410);
    expect(second.cookies).toEqual([]);
    expect(second.body).toContain('id="link-invalid"');
    expect(second.body).toContain('id="sign-in-form"');
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(410);
    // Only the digest of the session is stored.
    const sessions = await t.db.selectFrom('learner_sessions').select('token_hash').execute();
    expect(sessions.map((r) => r.token_hash)).toContain(createHash('sha256').update(cookie.value).digest('hex'));
  });

  it('does not sign in after 15 minutes (the clock moved through the row)', async () => {
    const link = await mailedLink(t.app, sink, MINJI);
    const hash = createHash('sha256').update(tokenOf(link)).digest('hex');
    const row = await t.db.selectFrom('learner_sign_in_links').select(['created_at', 'expires_at']).where('token_hash', '=', hash).executeTakeFirstOrThrow();
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(15 * 60 * 1000);
    await sql`update learner_sign_in_links set created_at = created_at - interval '15 minutes 1 second', expires_at = expires_at - interval '15 minutes 1 second' where token_hash = ${hash}`.execute(
      t.db,
    );
    const res = await t.app.inject({ method: 'POST', url: '/me/sign-in', headers: { ...FORM, ...ownOrigin(t.app) }, payload: `token=${tokenOf(link)}` });
    expect(res.statusCode).toBe(410);
    expect(res.cookies).toEqual([]);
  });

  it.each([
    ['an unknown token', 'A'.repeat(43)],
    ['a malformed token', '../../etc'],
    ['no token', ''],
  ])('answers %s with the kind page that offers a new link', async (_what, token) => {
    const page = await t.app.inject({ method: 'GET', url: `/me/sign-in?token=${encodeURIComponent(token)}&lang=en` });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('This sign-in link no longer works');
    expect(page.body).toContain('id="sign-in-form"');
  });

  it('a session ends after its lifetime (the clock moved through the row)', async () => {
    const cookie = await signInByMail(t.app, sink, MINJI);
    const hash = createHash('sha256').update(cookie.split('=')[1]!).digest('hex');
    await sql`update learner_sessions set expires_at = now() - interval '1 second' where token_hash = ${hash}`.execute(t.db);
    expect((await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('cookie flags over plain HTTP', () => {
  it('leaves out Secure and the __Host- prefix when PUBLIC_URL is http', async () => {
    const plain = await buildTestApp({ env: { SMTP_URL: sink.smtpUrl, PUBLIC_URL: 'http://localhost:3999', RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      const issuer = await createIssuer(plain.app);
      const achievement = await createAchievement(plain.app, issuer);
      await issueCredential(plain.app, issuer, achievement.id, { recipient: { name: '이지현', email: 'plain@example.com' } });
      const link = await mailedLink(plain.app, sink, 'plain@example.com');
      expect(link.startsWith('http://localhost:3999/me/sign-in?token=')).toBe(true);
      const res = await plain.app.inject({
        method: 'POST',
        url: '/me/sign-in',
        headers: { ...FORM, origin: 'http://localhost:3999' },
        payload: `token=${tokenOf(link)}`,
      });
      const cookie = res.cookies[0]!;
      expect(cookie.name).toBe('ieum-session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie.secure).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe('limits', () => {
  it('mails at most 3 links per e-mail per 15 minutes, answering 202 all the same (counted in the database)', async () => {
    // Five at once, from different addresses (so only the per-e-mail limit applies).
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(
        async (i) =>
          (await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: LIMITED }, remoteAddress: `198.51.100.${i}` })).statusCode,
      ),
    );
    expect(answers).toEqual([202, 202, 202, 202, 202]);
    expect(await countLinks(LIMITED)).toBe(3);
    await sink.waitForMails(LIMITED, 3);
    expect((await sink.signInMails(LIMITED)).length).toBe(3);
    // Once the window has passed (moved through the rows), she gets a link again.
    await sql`update learner_sign_in_links set created_at = created_at - interval '16 minutes' where email = ${LIMITED}`.execute(t.db);
    await mailedLink(t.app, sink, LIMITED, '198.51.100.77');
    expect(await countLinks(LIMITED)).toBe(4);
  });

  it('makes no link for a client address over its limit, still answering 202', async () => {
    const address = '203.0.113.9';
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: `probe${i}@example.com` }, remoteAddress: address });
      expect(res.statusCode).toBe(202);
    }
    const before = await countLinks(MINJI);
    const over = await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: MINJI }, remoteAddress: address });
    expect(over.statusCode).toBe(202);
    expect(await countLinks(MINJI)).toBe(before);
  });
});

describe('requests from other origins (CSRF)', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signInByMail(t.app, sink, MINJI);
  });

  it.each([
    ['another Origin', { origin: 'https://evil.example' }],
    ['Origin null', { origin: 'null' }],
    ['a cross-site Sec-Fetch-Site', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site (sibling host) Sec-Fetch-Site', { 'sec-fetch-site': 'same-site' }],
    ['a Referer from elsewhere', { referer: 'https://evil.example/page' }],
    ['nothing that says where it comes from', {}],
  ])('refuses sign-out with %s: 403 naming the origin', async (_what, headers) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/me/sign-out', headers: { cookie, ...headers } });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ type: 'https://ieum.dev/problems/forbidden', field: 'origin' });
  });

  it('refuses to use a link from a form on another site', async () => {
    const link = await mailedLink(t.app, sink, MINJI);
    for (const headers of [{ origin: 'https://evil.example' }, {}]) {
      const res = await t.app.inject({ method: 'POST', url: '/me/sign-in', headers: { ...FORM, ...headers }, payload: `token=${tokenOf(link)}` });
      expect(res.statusCode).toBe(403);
    }
    // The refusals did not use it up.
    await useLink(t.app, link);
  });

  it('refuses a link request a browser says comes from another site, but not one from a server', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', headers: { origin: 'https://evil.example' }, payload: { email: MINJI } })).statusCode,
    ).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: 'x@example.com' } })).statusCode).toBe(202);
  });

  it('accepts our own origin by Origin, by Sec-Fetch-Site, or by Referer', async () => {
    for (const headers of [{ 'sec-fetch-site': 'same-origin' }, { referer: 'https://badges.example.kr/me' }, ownOrigin(t.app)]) {
      await sql`update learner_sign_in_links set created_at = created_at - interval '1 hour'`.execute(t.db);
      const own = await signInByMail(t.app, sink, MINJI);
      const res = await t.app.inject({ method: 'POST', url: '/v1/me/sign-out', headers: { cookie: own, ...headers } });
      expect(res.statusCode).toBe(204);
    }
  });
});

describe('signing out', () => {
  it('ends the session and clears the cookie', async () => {
    const cookie = await signInByMail(t.app, sink, MINJI);
    const res = await t.app.inject({ method: 'POST', url: '/v1/me/sign-out', headers: { cookie, ...ownOrigin(t.app) } });
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies.find((c) => c.name === '__Host-ieum-session')!;
    expect(cleared.value).toBe('');
    expect(cleared.expires!.getTime()).toBeLessThan(Date.now());
    const after = await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.headers['content-type']).toContain('application/problem+json');
  });
});

describe('logs', () => {
  it('never hold an e-mail address or a sign-in token', async () => {
    const link = await mailedLink(t.app, sink, MINJI);
    // A scanner or a person opening the link: its token is in the URL.
    await t.app.inject({ method: 'GET', url: new URL(link).pathname + new URL(link).search });
    await t.app.inject({ method: 'GET', url: `/me/sign-in/${encodeURIComponent(MINJI)}` });
    await t.app.inject({ method: 'GET', url: `/v1/me/credentials?who=${MINJI}` });
    const logs = logLines.join('');
    expect(logs).toContain('/me/sign-in?token=[redacted]');
    expect(logs).toContain('[email]');
    expect(logs).not.toMatch(/[A-Za-z0-9._-]+(@|%40)example\.com/i);
    expect(logs).not.toContain(tokenOf(link));
  });

  it('say a sign-in mail failed without saying to whom, when the SMTP server is down (and the answer is still 202)', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // A port nothing listens on.
    const down = await buildTestApp({
      env: { SMTP_URL: `smtp://127.0.0.1:${await freePort()}`, RATE_LIMIT_PER_MINUTE: '0' },
      deps: { logger: { level: 'info', stream } },
    });
    try {
      const issuer = await createIssuer(down.app);
      const achievement = await createAchievement(down.app, issuer);
      await issueCredential(down.app, issuer, achievement.id, { recipient: { name: '김민지', email: 'down.learner@example.com' }, deliver: false });
      const res = await down.app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email: 'down.learner@example.com' } });
      expect(res.statusCode).toBe(202);
      await down.app.services.signIn.drain();
      const logs = lines.join('');
      expect(logs).toContain('sign-in link not sent');
      expect(logs).not.toMatch(/down\.learner|example\.com/);
    } finally {
      await down.close();
    }
  });
});
