/**
 * The learner's own way into a wallet: signed in (through a real mailed link), she presses
 * "지갑에 담기" on /me or on her credential's page, gets a page with the offer's QR and link, and a
 * wallet no one here wrote (the OpenWallet Foundation's client) takes the credential with it. The
 * offer is a bearer secret: no page without her session carries one, and no one else can make one.
 */
import type { AddressInfo } from 'node:net';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { verifyWithLibrary } from '../helpers/independent-verify.js';
import { type MailSink, startMailSink } from '../helpers/learner-mail.js';
import { FORM, ownOrigin, signInByMail } from '../helpers/learners.js';
import { didKeyHolder, takeCredential, walletClient } from './holder.js';

let t: TestApp;
let sink: MailSink;
let issuer: TestIssuer;
let achievementId: string;
let listeningAt: string;

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ env: { SMTP_URL: sink.smtpUrl, RATE_LIMIT_PER_MINUTE: '0' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  listeningAt = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  issuer = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer)).id;
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

// jsqr is CommonJS with an ES-style `export default` in its typings: the function is `.default`.
const jsQR = jsQRModule.default;

const OFFER = /openid-credential-offer:\/\/\?[^"<\s]+/;

/** The offer in the page's link (as the HTML escapes it) and in its QR image, decoded. */
function offerOf(page: string): { link: string; qr: string } {
  const link = OFFER.exec(page)![0].replaceAll('&amp;', '&');
  const dataUri = /id="wallet-qr" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(page)![1]!;
  const png = PNG.sync.read(new Resvg(Buffer.from(dataUri, 'base64').toString(), { fitTo: { mode: 'width', value: 600 } }).render().asPng());
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  return { link, qr: decoded!.data };
}

describe('a learner takes her own credential into a wallet', () => {
  it('from /me: the offer page carries a single-use offer that a real wallet client redeems', async () => {
    const email = 'wallet.learner@example.com';
    const issued = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '이지갑', email } });
    const cookie = await signInByMail(t.app, sink, email);

    const me = await t.app.inject({ method: 'GET', url: '/me?lang=ko', headers: { cookie } });
    expect(me.body).toContain(`action="/me/credentials/${issued.id}/wallet?lang=ko"`);
    // /me itself lists the button, never an offer: one is made only when she presses it.
    expect(me.body).not.toMatch(OFFER);

    const pressed = await t.app.inject({
      method: 'POST',
      url: `/me/credentials/${issued.id}/wallet?lang=ko`,
      headers: { cookie, ...FORM, ...ownOrigin(t.app) },
      payload: '',
    });
    expect(pressed.statusCode, pressed.body).toBe(200);
    expect(pressed.headers['cache-control']).toBe('private, no-store');
    expect(pressed.body).toContain('지갑에 담기');
    const { link, qr } = offerOf(pressed.body);
    expect(qr).toBe(link);

    const holder = await didKeyHolder();
    const { response } = await takeCredential(walletClient(t.config.publicUrl, listeningAt, [holder]), link, holder, 'OpenBadgeCredential_ldp_vc');
    const copy = (response.credentialResponse.credentials![0] as { credential: unknown }).credential as Record<string, any>;
    expect(copy.credentialSubject.id).toBe(holder.did);
    expect(copy.credentialSubject.achievement.id).toBe(issued.credential.credentialSubject.achievement.id);
    expect((await verifyWithLibrary(t.app, t.config.publicUrl, copy)).verified).toBe(true);

    // Single use: the same offer a second time gets nothing.
    const again = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': JSON.parse(new URL(link).searchParams.get('credential_offer')!).grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'][
          'pre-authorized_code'
        ],
      }).toString(),
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toBe('invalid_grant');
  });

  it('from her credential page: the button shows only while her own session is present', async () => {
    const email = 'page.wallet@example.com';
    const issued = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '박페이지', email } });
    const cookie = await signInByMail(t.app, sink, email);
    await issueCredential(t.app, issuer, achievementId, { recipient: { name: '남다른', email: 'someone.else@example.com' } });
    const other = await signInByMail(t.app, sink, 'someone.else@example.com');

    const hers = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=en`, headers: { cookie } });
    expect(hers.statusCode).toBe(200);
    expect(hers.body).toContain(`action="/me/credentials/${issued.id}/wallet?lang=en"`);
    expect(hers.headers['cache-control']).toBe('private, no-store');
    expect(hers.body).not.toMatch(OFFER);

    const anyone = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=en` });
    expect(anyone.body).not.toContain('/wallet?');
    // Rendered for her, then for anyone: the cached public page never picks up her button.
    const anyoneAgain = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=en` });
    expect(anyoneAgain.body).not.toContain('/wallet?');
    const notHers = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=en`, headers: { cookie: other } });
    expect(notHers.body).not.toContain('/wallet?');
  });

  it("refuses an offer for someone else's credential, from another site, or without a session", async () => {
    const issued = await issueCredential(t.app, issuer, achievementId, { recipient: { name: '최타인', email: 'owner.only@example.com' } });
    // The intruder has a credential of her own here, and so a session.
    await issueCredential(t.app, issuer, achievementId, { recipient: { name: '침입자', email: 'intruder@example.com' } });
    const intruderCookie = await signInByMail(t.app, sink, 'intruder@example.com');
    const url = `/me/credentials/${issued.id}/wallet`;
    const notHers = await t.app.inject({ method: 'POST', url, headers: { cookie: intruderCookie, ...FORM, ...ownOrigin(t.app) }, payload: '' });
    expect(notHers.statusCode).toBe(404);
    expect(notHers.body).not.toMatch(OFFER);

    const crossSite = await t.app.inject({ method: 'POST', url, headers: { cookie: intruderCookie, ...FORM, origin: 'https://evil.example' }, payload: '' });
    expect(crossSite.statusCode).toBe(403);

    const signedOut = await t.app.inject({ method: 'POST', url, headers: { ...FORM, ...ownOrigin(t.app) }, payload: '' });
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toMatch(/^\/me/);
  });
});
