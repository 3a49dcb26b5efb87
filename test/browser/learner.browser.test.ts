/**
 * The learner's whole path in a real browser (Debian's Chromium through playwright-core), against
 * the app listening on a local port and mailing through a real SMTP server process: she asks for a
 * link on /me, opens the link from the mail that arrived, signs in with its button, sees her
 * credentials from two institutions, makes one private, makes a collection, and opens its public
 * page /p/{id}, whose QR code leads back to it. Then, signed out, the private credential's page
 * says only that it is private. On a phone's width, with nothing asked of any other origin, no
 * script error and no CSP violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { accessibilityViolations, startBrowserApp, type BrowserTestApp } from '../helpers/browser.js';
import { createAchievement, createIssuer, issueCredential } from '../helpers/fixtures.js';
import { signInLinkIn, startMailSink, type MailSink } from '../helpers/learner-mail.js';

const jsQR = jsQRModule.default;
const CENTRE = '서울여성능력개발원';
const COLLEGE = '서울AI대학';
const COURSE = '백엔드 개발자 입문과정';
const AI_COURSE = '생성형 AI 실무';
const EMAIL = 'minji.kim@example.com';

type Issued = Awaited<ReturnType<typeof issueCredential>>;
let b: BrowserTestApp;
let sink: MailSink;
let fromCentre: Issued;
let fromCollege: Issued;
const pageErrors: string[] = [];
/** axe-core's findings on each of her pages (WCAG 2.1 A and AA); every list must end empty. */
const accessibility: Record<string, string[]> = {};
const consoleErrors: string[] = [];

async function newPage(): Promise<Page> {
  const page = await b.browser.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return page;
}

const cspViolations = (page: Page) => page.evaluate(() => ((window as any).__cspViolations ?? []) as string[]);
const fitsThePhone = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

beforeAll(async () => {
  sink = await startMailSink();
  // A phone: 390 px wide, touch.
  b = await startBrowserApp({ env: { SMTP_URL: sink.smtpUrl }, context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
  await b.browser.addInitScript(() => {
    (window as any).__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as any).__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const centre = await createIssuer(b.t.app, { name: CENTRE });
  const college = await createIssuer(b.t.app, { name: COLLEGE, url: 'https://ai.college.example' });
  fromCentre = await issueCredential(b.t.app, centre, (await createAchievement(b.t.app, centre, { name: COURSE })).id, {
    recipient: { name: '김민지', email: 'Minji.Kim@Example.com' },
    validFrom: '2025-05-01T00:00:00Z',
  });
  fromCollege = await issueCredential(b.t.app, college, (await createAchievement(b.t.app, college, { name: AI_COURSE })).id, {
    recipient: { name: '김민지', email: EMAIL },
  });
}, 120_000);

afterAll(async () => {
  await b?.close();
  await sink?.close();
}, 60_000);

describe('the learner in a browser', { timeout: 90_000 }, () => {
  let collectionUrl: string;

  it('signs in through the mailed link and sees her credentials from both institutions, newest first', async () => {
    const page = await newPage();
    await page.goto('/me');
    accessibility['/me, signed out'] = await accessibilityViolations(page);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await fitsThePhone(page)).toBe(true);
    await page.fill('#email', 'MINJI.kim@example.com');
    await Promise.all([page.waitForURL(/\/me\/link/), page.click('#send-link')]);
    expect(await page.locator('#link-sent').isVisible()).toBe(true);

    const [mail] = await sink.waitForMails(EMAIL);
    const link = signInLinkIn(mail!);
    expect(link.startsWith(`${b.baseUrl}/me/sign-in?token=`)).toBe(true);
    // Opening the link signs no one in: it shows one button.
    await page.goto(link);
    accessibility['the sign-in link page'] = await accessibilityViolations(page);
    expect(await b.browser.cookies()).toEqual([]);
    await Promise.all([page.waitForURL(/\/me(\?|$)/), page.click('#confirm-sign-in')]);
    const [session] = await b.browser.cookies();
    expect(session).toMatchObject({ name: 'ieum-session', httpOnly: true, sameSite: 'Lax', path: '/' });

    expect(await page.locator('#me-email').innerText()).toBe(EMAIL);
    accessibility['/me, signed in'] = await accessibilityViolations(page);
    const names = await page.locator('.my-credential-name').allInnerTexts();
    expect(names).toEqual([AI_COURSE, COURSE]);
    const body = await page.locator('#credentials').innerText();
    expect(body).toContain(CENTRE);
    expect(body).toContain(COLLEGE);
    expect(await page.locator('.my-credential[data-state="verified"]').count()).toBe(2);
    expect(await fitsThePhone(page)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('makes a credential private and a collection of both, and opens its public page', async () => {
    const page = await newPage();
    await page.goto('/me');
    await Promise.all([page.waitForURL(/#c-/), page.click(`#c-${fromCentre.id} .visibility-toggle`)]);
    expect(await page.getAttribute(`#c-${fromCentre.id}`, 'data-public')).toBe('false');

    await page.check(`#c-${fromCollege.id} input[name="credentialIds"]`);
    await page.check(`#c-${fromCentre.id} input[name="credentialIds"]`);
    await page.fill('#collection-name', '이력서용 배지 모음');
    await Promise.all([page.waitForURL(/#p-/), page.click('#create-collection')]);
    const item = page.locator('.my-collection').first();
    collectionUrl = await item.locator('input[readonly]').inputValue();
    expect(collectionUrl).toMatch(new RegExp(`^${b.baseUrl}/p/[0-9a-f-]{36}$`));
    expect(await item.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    const shared = await newPage();
    const response = await shared.goto(collectionUrl);
    expect(response?.status()).toBe(200);
    expect(await shared.locator('#collection-name').innerText()).toBe('이력서용 배지 모음');
    expect(await shared.locator('.shared-name').allInnerTexts()).toEqual([AI_COURSE, COURSE]);
    expect(await shared.locator('.shared-credential[data-state="verified"]').count()).toBe(2);
    expect(await shared.getAttribute('meta[property="og:url"]', 'content')).toBe(collectionUrl);
    accessibility['/p/{id}'] = await accessibilityViolations(shared);
    // The QR code a phone would scan leads to this very page.
    const png = await shared.request.get(`${collectionUrl}/qr.png`);
    const image = PNG.sync.read(Buffer.from(await png.body()));
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(collectionUrl);
    expect(await shared.locator('#qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await fitsThePhone(shared)).toBe(true);
    expect(await cspViolations(shared)).toEqual([]);
    await shared.close();

    // Into a wallet: her button makes an offer, shown as a QR on a page of its own.
    await page.goto('/me');
    await Promise.all([page.waitForURL(/\/wallet/), page.click(`#c-${fromCollege.id} .wallet`)]);
    expect(await page.locator('#wallet-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await page.getAttribute('#wallet-link', 'href')).toMatch(/^openid-credential-offer:\/\/\?credential_offer=/);
    accessibility['the wallet offer page'] = await accessibilityViolations(page);
    expect(await fitsThePhone(page)).toBe(true);
    await page.close();
  });

  it('sees her private credential whole; signed out, its page says only that it is private', async () => {
    const page = await newPage();
    await page.goto(`/c/${fromCentre.id}`);
    expect(await page.locator('#private-notice').isVisible()).toBe(true);
    expect(await page.locator('#achievement-name').innerText()).toBe(COURSE);

    await page.goto('/me');
    await Promise.all([page.waitForURL(/\/me(\?|$)/), page.click('#sign-out')]);
    expect(await page.locator('#sign-in-form').isVisible()).toBe(true);
    expect(await b.browser.cookies()).toEqual([]);

    const response = await page.goto(`/c/${fromCentre.id}`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('#private').innerText()).toBe('비공개 배지');
    accessibility['a private credential, to others'] = await accessibilityViolations(page);
    const shown = await page.locator('main').innerText();
    for (const secret of ['김민지', COURSE, CENTRE]) expect(shown).not.toContain(secret);
    // The collection still shows it: she chose to share it there.
    await page.goto(collectionUrl);
    expect(await page.locator('.shared-name').allInnerTexts()).toContain(COURSE);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('has no accessibility violation on any of her pages', () => {
    expect(Object.keys(accessibility).length).toBe(6);
    expect(Object.entries(accessibility).filter(([, violations]) => violations.length > 0)).toEqual([]);
  });

  it('asked nothing of any other origin, and met no script error', () => {
    expect(b.offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The private page's 403 is the one error the console reports (a failed navigation status).
    expect(consoleErrors.filter((e) => !/403/.test(e))).toEqual([]);
  });
});
