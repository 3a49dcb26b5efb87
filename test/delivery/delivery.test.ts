/**
 * Each credential reaches its learner by e-mail through the outbox: a real SMTP server (bin/mail-sink.mjs,
 * a child process) receives the mails, read back with mailparser. What arrives (ko then en, the page
 * link and its QR, the baked badge, how to sign in), what the API says of each delivery, and what
 * happens when the server is down, comes back, or never does.
 */
import { Writable } from 'node:stream';
import SwaggerParser from '@apidevtools/swagger-parser';
import jsQRModule from 'jsqr';
import type { ParsedMail } from 'mailparser';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unbakePng } from '../../src/badges/baking.js';
import { describeSendError } from '../../src/delivery/delivery.sender.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { type MailSink, startMailSink } from '../helpers/mail-sink.js';
import { waitUntil } from '../helpers/wait.js';

// jsqr is CommonJS with an ES-style `export default` in its typings: the function is `.default`.
const jsQR = jsQRModule.default;
const PUBLIC_URL = 'https://badges.example.kr';

/** Quick retries, so that a server down for a moment, and one down for good, both show within seconds. */
const TIMING = { pollMs: 100, leaseMs: 5_000, backoffMs: 200, maxAttempts: 6 };

/** Every log line of the app, to show that no recipient address is ever among them. */
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let sink: MailSink;
let t: TestApp;
let issuer: TestIssuer;
let achievement: { id: string };

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({
    env: { SMTP_URL: sink.smtpUrl, MAIL_FROM: '서울여성능력개발원 <badges@women.seoul.example>' },
    deps: { delivery: TIMING, signing: 'inline', logger: { level: 'info', stream: logStream } },
  });
  // The sender starts once the service listens (as main.ts starts it, after migrating).
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  issuer = await createIssuer(t.app);
  achievement = await createAchievement(t.app, issuer);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const get = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/credentials/${id}`, headers: issuer.headers })).json();
const deliveryOf = async (id: string) => (await get(id)).delivery;
const mailFor = (mails: ParsedMail[], id: string) => mails.filter((m) => m.html && String(m.html).includes(`/c/${id}`));
const deliver = (id: string) => t.app.inject({ method: 'POST', url: `/v1/credentials/${id}/deliver`, headers: issuer.headers });

function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

describe('a cohort by e-mail', () => {
  it('sends one mail per credential with an address: ko first, en below, page link, QR, baked badge, sign-in', async () => {
    const before = sink.count();
    const items = Array.from({ length: 12 }, (_, i) => ({ recipient: { name: `학습자 ${i}`, email: `Cohort.${i}@Example.com` } }));
    // A learner known by her student number alone has nowhere to be mailed.
    items.push({ recipient: { name: '주소 없음', externalId: 'S-2026-001' } } as never);
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: issuer.headers,
      payload: { achievementId: achievement.id, items },
    });
    expect(batch.statusCode, batch.body).toBe(200);
    const ids: string[] = batch.json().results.map((r: { id: string }) => r.id);

    const mails = (await sink.waitForMails(before + 12)).slice(before);
    expect(mails).toHaveLength(12);
    for (const [i, id] of ids.slice(0, 12).entries()) {
      const [mail, ...more] = mailFor(mails, id);
      expect(more).toEqual([]);
      // The address as issuing normalised it.
      expect(mail!.to && 'value' in mail!.to ? mail!.to.value[0]!.address : undefined).toBe(`cohort.${i}@example.com`);
      expect(mail!.from?.text).toContain('badges@women.seoul.example');
      expect(mail!.subject).toBe('[서울여성능력개발원] 백엔드 개발자 입문과정 디지털 배지 발급 · Your digital badge');
      expect(mail!.messageId).toMatch(new RegExp(`^<${id}\\.[0-9a-z]+@badges\\.example\\.kr>$`));

      const text = mail!.text!;
      expect(text).toContain(`학습자 ${i}님, 안녕하세요.`);
      expect(text).toContain(`Hello 학습자 ${i},`);
      expect(text.indexOf('안녕하세요')).toBeLessThan(text.indexOf('Hello'));
      expect(text).toContain(`${PUBLIC_URL}/c/${id}`);
      expect(text).toContain(`${PUBLIC_URL}/me`);
      const html = String(mail!.html);
      expect(html.indexOf('배지 보기')).toBeLessThan(html.indexOf('View, share or download'));
      expect(html).toContain(`href="${PUBLIC_URL}/me"`);

      // The inline images the HTML refers to: the QR of the page, and the badge with the credential in it.
      const qr = mail!.attachments.find((a) => a.filename === 'qr.png')!;
      const badge = mail!.attachments.find((a) => a.filename === 'badge.png')!;
      expect(html).toContain(`cid:${qr.contentId!.replace(/[<>]/g, '')}`);
      expect(html).toContain(`cid:${badge.contentId!.replace(/[<>]/g, '')}`);
      expect(decodeQr(qr.content)).toBe(`${PUBLIC_URL}/c/${id}`);
      expect(JSON.parse(unbakePng(badge.content)!).id).toBe(`${PUBLIC_URL}/c/${id}`);
      // Her wallet offer (OpenID4VCI, by value): a link and its QR, for this credential alone.
      const offerUri = /openid-credential-offer:\/\/\?\S+/.exec(text)![0];
      expect(html).toContain(`href="${offerUri.replaceAll('&', '&amp;')}"`);
      expect(decodeQr(mail!.attachments.find((a) => a.filename === 'wallet-qr.png')!.content)).toBe(offerUri);
      const offer = JSON.parse(new URL(offerUri).searchParams.get('credential_offer')!);
      expect(offer.credential_issuer).toBe(PUBLIC_URL);
      expect(offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code']).toMatch(/^\S{20,}$/);
    }
    // Each mail's offer is its own.
    expect(new Set(mails.map((m) => /openid-credential-offer:\/\/\?\S+/.exec(String(m.text))![0])).size).toBe(12);
    // One Message-ID per credential.
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(12);

    await waitUntil('every delivery recorded as sent', async () => (await deliveryOf(ids[11]!)).state === 'sent');
    const sent = await deliveryOf(ids[0]!);
    expect(sent).toMatchObject({ state: 'sent', attempts: 1 });
    expect(Date.parse(sent.sentAt)).not.toBeNaN();
    expect(await deliveryOf(ids[12]!)).toEqual({ state: 'no-address', attempts: 0 });

    // The list answers each item's delivery (read with the page, in one query).
    const list = (await t.app.inject({ method: 'GET', url: '/v1/credentials?limit=13', headers: issuer.headers })).json();
    const byId = new Map(list.items.map((item: { id: string; delivery: unknown }) => [item.id, item.delivery]));
    expect(byId.get(ids[12]!)).toEqual({ state: 'no-address', attempts: 0 });
    expect(ids.slice(0, 12).every((id) => (byId.get(id) as { state: string }).state === 'sent')).toBe(true);
  });

  it('sends nothing with deliver: false (JSON cohort, CSV cohort, one credential): not-requested', async () => {
    const before = sink.count();
    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: issuer.headers,
      payload: { achievementId: achievement.id, deliver: false, items: [{ recipient: { name: '가', email: 'quiet.json@example.com' } }] },
    });
    const csv = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/batch?achievementId=${achievement.id}&deliver=false`,
      headers: { ...issuer.headers, 'content-type': 'text/csv' },
      payload: 'name,email\n나,quiet.csv@example.com\n',
    });
    const one = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '다', email: 'quiet.one@example.com' }, deliver: false });
    const ids = [json.json().results[0].id, csv.json().results[0].id, one.id];
    for (const id of ids) expect(await deliveryOf(id)).toEqual({ state: 'not-requested', attempts: 0 });

    // A credential mailed after these has arrived: so these would have, had they been sent.
    const probe = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '라', email: 'probe@example.com' } });
    await waitUntil('the probe recorded as sent', async () => (await deliveryOf(probe.id)).state === 'sent');
    const mails = (await sink.mails()).slice(before);
    expect(mails).toHaveLength(1);
    expect(mailFor(mails, probe.id)).toHaveLength(1);
    for (const id of ids) expect(await deliveryOf(id)).toEqual({ state: 'not-requested', attempts: 0 });

    // Asked for later, it goes.
    const queued = await deliver(ids[2]!);
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toEqual({ state: 'pending', attempts: 0 });
    const [mail] = mailFor(await sink.waitForMails(before + 2), ids[2]!);
    expect(mail!.to && 'value' in mail!.to ? mail!.to.value[0]!.address : '').toBe('quiet.one@example.com');
  });

  it('resends on POST /deliver: a second mail with a Message-ID of its own, the delivery reset to pending', async () => {
    const issued = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '이서연', email: 'again@example.com' } });
    await waitUntil('first mail sent', async () => (await deliveryOf(issued.id)).state === 'sent');
    const queued = await deliver(issued.id);
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toEqual({ state: 'pending', attempts: 0 });
    await waitUntil('the resend arrived', async () => mailFor(await sink.mails(), issued.id).length === 2);
    const [first, second] = mailFor(await sink.mails(), issued.id);
    expect(first!.messageId).not.toBe(second!.messageId);
    // The same words; only the wallet offer (single use) is new in each mail.
    const withoutOffer = (text: unknown) => String(text).replace(/openid-credential-offer:\/\/\?\S+/g, '<offer>');
    expect(withoutOffer(first!.text)).toBe(withoutOffer(second!.text));
    expect(first!.text).not.toBe(second!.text);
    await waitUntil('the resend recorded as sent', async () => (await deliveryOf(issued.id)).state === 'sent');
    expect(await deliveryOf(issued.id)).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('answers /deliver with 404 for another institution, 409 for a learner without an address', async () => {
    const other = await createIssuer(t.app);
    const issued = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '번호만', externalId: 'S-77' } });
    const foreign = await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/deliver`, headers: other.headers });
    expect(foreign.statusCode).toBe(404);
    const none = await deliver(issued.id);
    expect(none.statusCode).toBe(409);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ type: 'https://ieum.dev/problems/no-email-address', status: 409 });
    expect(await deliveryOf(issued.id)).toEqual({ state: 'no-address', attempts: 0 });
  });

  it('escapes what the institution and the learner typed', async () => {
    const html = await createAchievement(t.app, issuer, { name: '<b>굵게</b> & "인용"' });
    const issued = await issueCredential(t.app, issuer, html.id, { recipient: { name: '<img src=x onerror=alert(1)>', email: 'escape@example.com' } });
    await waitUntil('mail arrived', async () => mailFor(await sink.mails(), issued.id).length === 1);
    const [mail] = mailFor(await sink.mails(), issued.id);
    const body = String(mail!.html);
    expect(body).not.toContain('<img src=x');
    expect(body).not.toContain('<b>굵게');
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body).toContain('&lt;b&gt;굵게&lt;/b&gt; &amp; &quot;인용&quot;');
    expect(mail!.subject).toContain('<b>굵게</b> & "인용"');
  });
});

describe('credentials for a learner named by id (a CLR)', () => {
  const clrOf = async (learnerId: string) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/learners/${learnerId}/clr`, headers: issuer.headers });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const learnerOf = async (credentialId: string) => {
    const list = (await t.app.inject({ method: 'GET', url: '/v1/credentials?limit=200', headers: issuer.headers })).json();
    return list.items.find((item: { id: string }) => item.id === credentialId).learner.id as string;
  };

  it('mails the record when the learner has an e-mail (looked up in the same statement), and says no-address when not', async () => {
    const withEmail = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '정다은', email: 'record@example.com' }, deliver: false });
    const withDid = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '한유진', did: 'did:web:learner.example:yujin' } });
    const mailed = await clrOf(await learnerOf(withEmail.id));
    const unmailed = await clrOf(await learnerOf(withDid.id));
    await waitUntil('the record mailed', async () => (await deliveryOf(mailed.id)).state === 'sent');
    const [mail] = mailFor(await sink.mails(), mailed.id);
    expect(mail!.to && 'value' in mail!.to ? mail!.to.value[0]!.address : '').toBe('record@example.com');
    expect(mail!.subject).toContain('정다은의 학습 이력');
    // A CLR is no OpenBadgeCredential a wallet is offered: its mail goes without an offer.
    expect(String(mail!.text)).not.toContain('openid-credential-offer://');
    expect(mail!.attachments.map((a) => a.filename)).not.toContain('wallet-qr.png');
    expect(await deliveryOf(unmailed.id)).toEqual({ state: 'no-address', attempts: 0 });
  });
});

describe('when the SMTP server is down', () => {
  it('keeps the delivery pending with the error, and sends it once the server is back on the same port', async () => {
    await sink.stop();
    const issued = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '박지우', email: 'down.then.up@example.com' } });
    await waitUntil('a failed attempt recorded', async () => (await deliveryOf(issued.id)).lastError !== undefined);
    const waiting = await deliveryOf(issued.id);
    expect(waiting.state).toBe('pending');
    expect(waiting.attempts).toBeGreaterThanOrEqual(1);
    expect(waiting.lastError).toMatch(/ECONNREFUSED/);

    await sink.restart();
    await waitUntil('sent after the server came back', async () => (await deliveryOf(issued.id)).state === 'sent', { tries: 600, pauseMs: 50 });
    expect(mailFor(await sink.mails(), issued.id)).toHaveLength(1);
    expect((await deliveryOf(issued.id)).lastError).toBeUndefined();
  });

  it("is 'failed' with the last error after the last attempt; a resend then goes once the server is back", async () => {
    await sink.stop();
    const issued = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '최하은', email: 'never@example.com' } });
    await waitUntil('failed', async () => (await deliveryOf(issued.id)).state === 'failed', { tries: 600, pauseMs: 50 });
    const failed = await deliveryOf(issued.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: TIMING.maxAttempts });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);

    await sink.restart();
    expect((await deliver(issued.id)).statusCode).toBe(202);
    await waitUntil('resent', async () => (await deliveryOf(issued.id)).state === 'sent');
    expect(mailFor(await sink.mails(), issued.id)).toHaveLength(1);
  });

  it('never logs a recipient address', () => {
    // The two tests above logged every failed attempt.
    expect(logLines.some((line) => line.includes('delivery: attempt failed'))).toBe(true);
    expect(logLines.filter((line) => /@example\.com/i.test(line))).toEqual([]);
  });
});

describe('the contract', () => {
  it('documents delivery in the OpenAPI document, which stays valid', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await SwaggerParser.validate(structuredClone(document));
    const deliver = document.paths['/v1/credentials/{id}/deliver'].post;
    expect(deliver.operationId).toBe('deliverCredential');
    expect(deliver.security).toEqual([{ bearerAuth: ['institution'] }]);
    expect(Object.keys(deliver.responses)).toEqual(expect.arrayContaining(['202', '409', '503']));
    const read = document.paths['/v1/credentials/{id}'].get.responses['200'].content['application/json'].schema;
    expect(read.required).toContain('delivery');
    expect(read.properties.delivery.properties.state.enum).toEqual(['pending', 'sent', 'failed', 'not-configured', 'no-address', 'not-requested']);
    expect(document.paths['/v1/credentials'].post.requestBody.content['application/json'].schema.properties.deliver.type).toBe('boolean');
  });
});

describe('describeSendError', () => {
  it('takes the address out of what the SMTP server answered', () => {
    const error = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <someone@example.com>: Recipient address rejected"), {
      responseCode: 550,
      response: '550 5.1.1 <someone@example.com>: Recipient address rejected',
    });
    const described = describeSendError(error, 'someone@example.com');
    expect(described).not.toContain('someone@example.com');
    expect(described).toContain('<recipient>');
  });
});

describe('without SMTP_URL', () => {
  let quiet: TestApp;
  let inst: TestIssuer;
  beforeAll(async () => {
    quiet = await buildTestApp({ deps: { signing: 'inline' } });
    await quiet.app.listen({ port: 0, host: '127.0.0.1' });
    inst = await createIssuer(quiet.app);
  });
  afterAll(() => quiet?.close());

  it("issues as ever; deliveries say 'not-configured' and /deliver is 503 mail-not-configured", async () => {
    const a = await createAchievement(quiet.app, inst);
    const issued = await issueCredential(quiet.app, inst, a.id);
    const batch = await quiet.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: inst.headers,
      payload: {
        achievementId: a.id,
        items: [{ recipient: { name: '가', email: 'x1@example.com' } }, { recipient: { name: '나', did: 'did:web:learner.example' } }],
      },
    });
    expect(batch.json().issued).toBe(2);
    const [withEmail, withDid] = batch.json().results.map((r: { id: string }) => r.id);
    const read = async (id: string) => (await quiet.app.inject({ method: 'GET', url: `/v1/credentials/${id}`, headers: inst.headers })).json().delivery;
    expect(await read(issued.id)).toEqual({ state: 'not-configured', attempts: 0 });
    expect(await read(withEmail)).toEqual({ state: 'not-configured', attempts: 0 });
    expect(await read(withDid)).toEqual({ state: 'no-address', attempts: 0 });
    const refused = await quiet.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/deliver`, headers: inst.headers });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ type: 'https://ieum.dev/problems/mail-not-configured', status: 503 });
    expect(await read(issued.id)).toEqual({ state: 'not-configured', attempts: 0 });
  });
});
