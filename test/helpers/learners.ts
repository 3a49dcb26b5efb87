/** Signing a learner in as she would: ask for a link, read the mail that arrived, use the link. */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { signInLinkIn, type MailSink } from './learner-mail.js';

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** What a browser on our own pages sends with a state-changing request. */
export const ownOrigin = (app: FastifyInstance) => ({ origin: new URL(app.services.urls.base).origin });

export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token')!;
}

let clients = 0;
/** A client address of its own for each request, so that the per-address limit stays out of the way. */
const nextClient = () => `10.77.${Math.floor(++clients / 250)}.${(clients % 250) + 1}`;

/** Asks for a link for `email` (within the limits) and waits for the mail that brings it. */
export async function mailedLink(app: FastifyInstance, sink: MailSink, email: string, remoteAddress = nextClient()): Promise<string> {
  const before = (await sink.signInMails(email)).length;
  const res = await app.inject({ method: 'POST', url: '/v1/learner/sign-in', payload: { email }, remoteAddress });
  expect(res.statusCode, res.body).toBe(202);
  const mails = await sink.waitForMails(email, before + 1);
  return signInLinkIn(mails[before]!);
}

/** Uses a link as its page's button does; the session cookie's `name=value`. */
export async function useLink(app: FastifyInstance, link: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/me/sign-in',
    headers: { ...FORM, ...ownOrigin(app) },
    payload: new URLSearchParams({ token: tokenOf(link) }).toString(),
  });
  expect(res.statusCode, res.body).toBe(303);
  const cookie = res.cookies.find((c) => c.name.endsWith('ieum-session'));
  expect(cookie).toBeDefined();
  return `${cookie!.name}=${cookie!.value}`;
}

export async function signInByMail(app: FastifyInstance, sink: MailSink, email: string): Promise<string> {
  return useLink(app, await mailedLink(app, sink, email));
}
