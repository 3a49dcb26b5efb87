/**
 * The public pages in a real browser (Debian's Chromium through playwright-core), against the app
 * listening on a local port: language, verdicts, the QR code a phone would scan, revocation, the
 * verify page, escaping under the page's CSP, the 404 page, the print view and a phone's width;
 * the front door (`/`) and its verify box, an institution's page, a study group's credential page.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Page, Response } from 'playwright-core';
import { accessibilityViolations, startBrowserApp, type BrowserTestApp } from '../helpers/browser.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

// jsqr is CommonJS with an ES-style `export default` in its typings: the function is `.default`.
const jsQR = jsQRModule.default;

const CHECKS = ['proof', 'status', 'validity', 'schema', 'issuer'] as const;
const ISSUER_NAME = '서울여성능력개발원';
const ACHIEVEMENT_NAME = '백엔드 개발자 입문과정';
const LEARNER = '김민지';
const XSS_LEARNER = '<img src=x onerror="window.__xss=1">김민지';
const XSS_ACHIEVEMENT = '웹 보안 <script>window.__xss=2</script> 과정';

type Issued = Awaited<ReturnType<typeof issueCredential>>;

let b: BrowserTestApp;
let issuer: TestIssuer;
let achievementId: string;
let issued: Issued;
let groupIssued: Issued;
const GROUP_ACHIEVEMENT = '도시재생 스터디그룹 활동';

/** What a page reported: console errors, uncaught exceptions, CSP violations (seen from inside). */
interface Watch {
  errors: string[];
  pageErrors: string[];
}

function watch(page: Page): Watch {
  const w: Watch = { errors: [], pageErrors: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') w.errors.push(message.text());
  });
  page.on('pageerror', (error) => w.pageErrors.push(String(error)));
  return w;
}

async function newPage(): Promise<{ page: Page; w: Watch }> {
  const page = await b.browser.newPage();
  // A missing element fails in seconds rather than Playwright's default 30 (a wait cap, not a timing check).
  page.setDefaultTimeout(10_000);
  return { page, w: watch(page) };
}

/** Every `securitypolicyviolation` event a document saw (recorded by the init script below). */
async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => ((window as any).__cspViolations ?? []) as string[]);
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** Submit the verify form and wait for the answer page to load. */
async function submitVerify(page: Page): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/verify'),
    page.waitForEvent('load'),
    page.click('#verify-submit'),
  ]);
  return response;
}

/** The status bit of `index` in a BitstringStatusList `encodedList` (multibase 'u', GZIP). */
function statusBit(encodedList: string, index: number): boolean {
  expect(encodedList.startsWith('u')).toBe(true);
  const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  expect(bytes.length * 8).toBeGreaterThan(index);
  return (bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The JWT with exactly one character of its payload segment changed, chosen so that the payload is
 * still valid JSON (one bit of the learner's name flips): what is left to catch it is the signature.
 */
function tamperJwt(jwt: string, name: string): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const bytes = Buffer.from(payload, 'base64url');
  const at = bytes.indexOf(Buffer.from(name, 'utf8'));
  expect(at).toBeGreaterThan(0);
  // The last character of each 4-character group holds the low 6 bits of the group's third byte;
  // flipping its lowest bit turns a UTF-8 continuation byte of a Hangul syllable into another.
  let byte = at + 1;
  while (byte % 3 !== 2) byte++;
  expect(byte).toBeLessThan(at + Buffer.byteLength(name));
  const charAt = Math.floor(byte / 3) * 4 + 3;
  const flipped = B64URL[B64URL.indexOf(payload[charAt]!) ^ 1]!;
  const forged = payload.slice(0, charAt) + flipped + payload.slice(charAt + 1);
  const changed = [...forged].filter((c, i) => c !== payload[i]).length;
  expect(changed).toBe(1);
  const json = JSON.parse(Buffer.from(forged, 'base64url').toString('utf8'));
  expect(JSON.stringify(json)).not.toContain(name);
  return `${header}.${forged}.${signature}`;
}

beforeAll(async () => {
  b = await startBrowserApp();
  // Seen from inside each document: CSP violations, however the browser chooses to log them.
  await b.browser.addInitScript(() => {
    (window as any).__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as any).__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  issuer = await createIssuer(b.t.app, { name: ISSUER_NAME });
  achievementId = (await createAchievement(b.t.app, issuer, { name: ACHIEVEMENT_NAME })).id;
  issued = await issueCredential(b.t.app, issuer, achievementId, { recipient: { name: LEARNER, email: 'minji.kim@example.com' } });
  const group = await createAchievement(b.t.app, issuer, { kind: 'study_group', name: GROUP_ACHIEVEMENT, hours: undefined });
  groupIssued = await issueCredential(b.t.app, issuer, group.id, {
    recipient: { name: '이수진', email: 'sujin.lee@example.com' },
    role: '진행자',
    studyGroup: { name: '마을기록 연구모임', topic: '골목 상권의 기록과 보존', sessionsAttended: 12, sessionsTotal: 14 },
    activityStartDate: '2026-03-05',
    activityEndDate: '2026-06-25',
  });
}, 120_000);

afterAll(async () => {
  await b?.close();
}, 60_000);

describe('the credential page', { timeout: 60_000 }, () => {
  it('is Korean for a Korean browser, verified, with the facts and every check', async () => {
    const { page, w } = await newPage();
    const response = await page.goto(`/c/${issued.id}`);
    expect(response?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await text(page, '#verdict')).toBe('검증됨');
    expect(await page.getAttribute('section.verdict', 'data-state')).toBe('verified');
    expect(await text(page, '#achievement-name')).toBe(ACHIEVEMENT_NAME);
    const facts = await text(page, 'dl.facts');
    for (const shown of [LEARNER, ACHIEVEMENT_NAME, ISSUER_NAME]) expect(facts).toContain(shown);
    for (const check of CHECKS) {
      const item = page.locator(`li.check[data-check="${check}"]`);
      expect(await item.count(), check).toBe(1);
      expect(await item.isVisible(), check).toBe(true);
      expect(await item.getAttribute('class'), check).toContain('ok');
    }
    expect(await page.locator('li.check').count()).toBe(CHECKS.length);
    // Its own stylesheet applied under the CSP: the banner is green, not unstyled.
    expect(await page.locator('section.verdict').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(10, 125, 59)');
    // The badge image (with the credential baked in) loaded.
    expect(await page.locator('.badge-art img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.click('a.lang')]);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '#verdict')).toBe('Verified');
    expect(await text(page, 'a.lang')).toBe('한국어');
    await Promise.all([page.waitForURL(/[?&]lang=ko\b/), page.click('a.lang')]);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await text(page, '#verdict')).toBe('검증됨');

    expect(w.pageErrors).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('is English with ?lang=en, whatever the browser prefers', async () => {
    const { page } = await newPage();
    expect((await page.goto(`/c/${issued.id}?lang=en`))?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '#verdict')).toBe('Verified');
    expect(await text(page, '#achievement-name')).toBe(ACHIEVEMENT_NAME);
    expect(await page.locator('li.check').count()).toBe(CHECKS.length);
    await page.close();
  });

  it('copies its link with its own script (which the CSP lets run)', async () => {
    await b.browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: b.baseUrl });
    const { page, w } = await newPage();
    await page.goto(`/c/${issued.id}`);
    expect(await page.inputValue('#share-url')).toBe(issued.url);
    await page.click('button.copy');
    await page.waitForFunction(() => document.querySelector('button.copy')?.textContent === '복사했습니다');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(issued.url);
    expect(w.pageErrors).toEqual([]);
    await page.close();
  });
});

describe('the QR code', { timeout: 60_000 }, () => {
  it('on the page and as PNG leads to the credential page', async () => {
    const { page } = await newPage();
    await page.goto(`/c/${issued.id}`);
    const qr = page.locator('#qr');
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const onScreen = decodeQr(await qr.screenshot());
    expect(onScreen).toBe(issued.url);

    const png = await page.request.get(`/c/${issued.id}/qr.png`);
    expect(png.status()).toBe(200);
    expect(png.headers()['content-type']).toBe('image/png');
    const fromFile = decodeQr(await png.body());
    expect(fromFile).toBe(issued.url);

    // Where a phone that scanned it would go.
    const { page: phone } = await newPage();
    expect((await phone.goto(onScreen!))?.status()).toBe(200);
    expect(phone.url()).toBe(issued.url);
    expect(await text(phone, '#achievement-name')).toBe(await text(page, '#achievement-name'));
    expect(await text(phone, '#verdict')).toBe('검증됨');
    await phone.close();
    await page.close();
  });
});

describe('revocation', { timeout: 60_000 }, () => {
  it('shows 취소됨 with the reason, and the public status list has the bit set', async () => {
    const revoked = await issueCredential(b.t.app, issuer, achievementId, { recipient: { name: '이서준', email: 'seojun@example.com' } });
    const status = revoked.credential.credentialStatus;
    const index = Number(status.statusListIndex);
    expect(status.statusListCredential.startsWith(`${b.baseUrl}/status/`)).toBe(true);

    const { page, w } = await newPage();
    await page.goto(`/c/${revoked.id}`);
    expect(await text(page, '#verdict')).toBe('검증됨');
    const before = await page.request.get(status.statusListCredential);
    expect(before.status()).toBe(200);
    expect(statusBit((await before.json()).credentialSubject.encodedList, index)).toBe(false);

    const revoke = await b.t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${revoked.id}/revoke`,
      headers: issuer.headers,
      payload: { reason: '잘못 발급됨' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);

    await page.reload();
    expect(await text(page, '#verdict')).toBe('취소됨');
    expect(await page.getAttribute('section.verdict', 'data-state')).toBe('revoked');
    const reason = page.locator('.verdict-reason');
    expect(await reason.isVisible()).toBe(true);
    expect(await reason.innerText()).toContain('잘못 발급됨');
    expect(await page.getAttribute('li.check[data-check="status"]', 'class')).toContain('bad');

    const after = await page.request.get(status.statusListCredential);
    expect(after.status()).toBe(200);
    const list = await after.json();
    expect(list.type).toContain('BitstringStatusListCredential');
    expect(statusBit(list.credentialSubject.encodedList, index)).toBe(true);
    // Only that bit: the other credential on the same list is still clear.
    expect(issued.credential.credentialStatus.statusListCredential).toBe(status.statusListCredential);
    expect(statusBit(list.credentialSubject.encodedList, Number(issued.credential.credentialStatus.statusListIndex))).toBe(false);
    expect(w.pageErrors).toEqual([]);
    await page.close();
  });
});

describe('the verify page', { timeout: 60_000 }, () => {
  it('verifies a pasted JWT', async () => {
    const { page, w } = await newPage();
    await page.goto('/verify');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await page.fill('#text', issued.jwt);
    const response = await submitVerify(page);
    expect(response.status()).toBe(200);
    expect(await text(page, '#verdict')).toBe('검증됨');
    expect(await text(page, 'dl.facts')).toContain(LEARNER);
    expect(await page.locator('li.check').count()).toBe(CHECKS.length);
    expect(w.pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('calls a JWT with one changed payload character forged', async () => {
    const { page } = await newPage();
    await page.goto('/verify');
    await page.fill('#text', tamperJwt(issued.jwt, LEARNER));
    const response = await submitVerify(page);
    expect(response.status()).toBe(200);
    expect(await text(page, '#verdict')).toBe('위조되었거나 손상됨');
    expect(await page.getAttribute('section.verdict', 'data-state')).toBe('invalid');
    expect(await page.getAttribute('li.check[data-check="proof"]', 'class')).toContain('bad');
    await page.close();
  });

  it('verifies the baked badge PNG downloaded from the page', async () => {
    const { page } = await newPage();
    const png = await page.request.get(`/c/${issued.id}/badge.png`);
    expect(png.status()).toBe(200);
    const bytes = await png.body();
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    await page.goto('/verify');
    await page.setInputFiles('#file', { name: 'badge.png', mimeType: 'image/png', buffer: bytes });
    const response = await submitVerify(page);
    expect(response.status()).toBe(200);
    expect(await text(page, '#verdict')).toBe('검증됨');
    expect(await text(page, 'dl.facts')).toContain(ACHIEVEMENT_NAME);
    await page.close();
  });

  it('answers garbage with a message on a normal page, not a crash', async () => {
    const { page, w } = await newPage();
    await page.goto('/verify');
    await page.fill('#text', 'hello');
    const response = await submitVerify(page);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/html');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    const error = page.locator('#verify-error');
    const verdict = page.locator('#verdict');
    if ((await error.count()) > 0) {
      expect(await error.innerText()).toContain('자격증명으로 읽을 수 없습니다');
      expect(await verdict.count()).toBe(0);
    } else {
      expect(await verdict.innerText()).toBe('위조되었거나 손상됨');
    }
    // The form is still there, with what was pasted.
    expect(await page.inputValue('#text')).toBe('hello');
    expect(w.pageErrors).toEqual([]);
    await page.close();
  });
});

describe('escaping and the content security policy', { timeout: 60_000 }, () => {
  it('shows markup in names as text, runs none of it, and the page works under its CSP', async () => {
    const achievement = await createAchievement(b.t.app, issuer, { name: XSS_ACHIEVEMENT });
    const hostile = await issueCredential(b.t.app, issuer, achievement.id, { recipient: { name: XSS_LEARNER, email: 'xss@example.com' } });
    const { page, w } = await newPage();
    const response = await page.goto(`/c/${hostile.id}`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-inline'");

    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await text(page, 'dl.facts')).toContain(XSS_LEARNER);
    expect(await text(page, '#achievement-name')).toBe(XSS_ACHIEVEMENT);
    expect(await page.title()).toContain(XSS_ACHIEVEMENT);
    // Not markup: no such image, and the only script is the page's own file.
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('script').evaluateAll((scripts) => scripts.map((s) => (s as HTMLScriptElement).src))).toEqual([`${b.baseUrl}/assets/ieum.js`]);
    // The badge SVG, drawn from the same name, is still a well-formed image.
    expect(await page.locator('.badge-art img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await page.locator('section.verdict').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(10, 125, 59)');

    // Had anything been injected, the CSP would have blocked it and said so: nothing was reported.
    expect(await cspViolations(page)).toEqual([]);
    expect(w.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(w.pageErrors).toEqual([]);

    // The print view and the verify page carry the same names safely.
    await page.goto(`/c/${hostile.id}?view=print`);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await text(page, '.cert-name')).toBe(XSS_LEARNER);
    await page.goto('/verify');
    await page.fill('#text', hostile.jwt);
    await submitVerify(page);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await text(page, 'dl.facts')).toContain(XSS_LEARNER);
    expect(await cspViolations(page)).toEqual([]);
    expect(w.pageErrors).toEqual([]);
    await page.close();
  });

  it('never asks anything of another origin', () => {
    expect(b.offsite).toEqual([]);
  });
});

describe('an unknown credential', { timeout: 60_000 }, () => {
  it('is a 404 with a friendly Korean page', async () => {
    const { page, w } = await newPage();
    const response = await page.goto('/c/00000000-0000-4000-8000-000000000000');
    expect(response?.status()).toBe(404);
    expect(response?.headers()['content-type']).toContain('text/html');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await text(page, 'main')).toContain('배지를 찾을 수 없습니다');
    expect(await page.locator('a[href^="/verify"]').count()).toBeGreaterThan(0);
    expect(w.pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('the print view', { timeout: 60_000 }, () => {
  it('shows the learner and a QR code that loads and scans to the page', async () => {
    const { page, w } = await newPage();
    expect((await page.goto(`/c/${issued.id}?view=print`))?.status()).toBe(200);
    expect(await text(page, '.cert-name')).toBe(LEARNER);
    expect(await text(page, '.cert-achievement')).toBe(ACHIEVEMENT_NAME);
    const qr = page.locator('.cert-qr img');
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(decodeQr(await qr.screenshot())).toBe(issued.url);
    expect(w.pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('the front door', { timeout: 60_000 }, () => {
  it('says what the service is, lists the institutions, and verifies a pasted link in its box', async () => {
    const { page, w } = await newPage();
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    for (const who of ['learners', 'employers', 'institutions']) expect(await page.locator(`#for-${who}`).isVisible(), who).toBe(true);
    expect(await text(page, '#institutions')).toContain(ISSUER_NAME);
    // The box is the verify page's form: a link to one of our credentials, verified there.
    await page.fill('#text', issued.url);
    const answer = await submitVerify(page);
    expect(answer.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/verify');
    expect(await text(page, '#verdict')).toBe('검증됨');
    expect(w.pageErrors).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('leads to an institution page for people, with its achievements', async () => {
    const { page, w } = await newPage();
    await page.goto('/?lang=en');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await Promise.all([page.waitForURL(new RegExp(`/issuers/${issuer.slug}`)), page.click(`#institutions a[href^="/issuers/${issuer.slug}"]`)]);
    // Chromium asks for text/html: the page, not the JSON-LD Profile.
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await text(page, '#institution-name')).toBe(ISSUER_NAME);
    const achievements = await text(page, '#achievements');
    expect(achievements).toContain(ACHIEVEMENT_NAME);
    expect(achievements).toContain(GROUP_ACHIEVEMENT);
    expect(achievements).toContain('Study-group participation');
    expect(await page.getAttribute('#institution-url', 'href')).toBe('https://women.seoul.example/');
    expect(w.pageErrors).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });
});

describe("a study group's credential page", { timeout: 60_000 }, () => {
  it('says the group, its topic, the role and the attendance, with the QR described in words', async () => {
    const { page, w } = await newPage();
    expect((await page.goto(`/c/${groupIssued.id}`))?.status()).toBe(200);
    expect(await text(page, '#verdict')).toBe('검증됨');
    expect(await text(page, '#study-group dd')).toBe('마을기록 연구모임');
    expect(await text(page, '#study-group-topic dd')).toBe('골목 상권의 기록과 보존');
    expect(await text(page, '#attendance dd')).toBe('전체 14회 중 12회 참여');
    expect(await text(page, 'dl.facts')).toContain('진행자');
    expect(await page.getAttribute('#qr', 'alt')).toBe('이 배지 페이지로 연결되는 QR 코드');
    expect(decodeQr(await page.locator('#qr').screenshot())).toBe(groupIssued.url);
    expect(w.pageErrors).toEqual([]);
    expect(w.errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('never asks anything of another origin, on these pages either', () => {
    expect(b.offsite).toEqual([]);
  });
});

describe('at a phone width', { timeout: 60_000 }, () => {
  const width = 390;
  const overflow = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollWidth);

  it('the credential page has no horizontal scroll', async () => {
    const { page } = await newPage();
    await page.setViewportSize({ width, height: 844 });
    await page.goto(`/c/${issued.id}`);
    expect(await text(page, '#verdict')).toBe('검증됨');
    expect(await overflow(page)).toBeLessThanOrEqual(width);
    await page.screenshot({ path: '/tmp/browser-ko.png', fullPage: true });
    await page.close();
  });

  it('nor do the verify page, the print view, the 404 page, the front door, an institution and a study group', async () => {
    const { page } = await newPage();
    await page.setViewportSize({ width, height: 844 });
    for (const url of [
      '/verify',
      `/c/${issued.id}?view=print`,
      '/c/00000000-0000-4000-8000-000000000000',
      '/',
      `/issuers/${issuer.slug}`,
      `/c/${groupIssued.id}`,
    ]) {
      await page.goto(url);
      expect(await overflow(page), url).toBeLessThanOrEqual(width);
      // Kept to be looked at, as /tmp/browser-ko.png is.
      await page.screenshot({
        path: `/tmp/browser-phone-${new URL(url, b.baseUrl).pathname.split('/')[1] || 'home'}${url.includes('print') ? '-print' : ''}.png`,
        fullPage: true,
      });
    }
    await page.close();
  });
});

describe('accessibility (axe-core, WCAG 2.1 A and AA)', { timeout: 120_000 }, () => {
  it('finds no violation on any public page, in Korean and in English', async () => {
    const { page } = await newPage();
    const revoked = await issueCredential(b.t.app, issuer, achievementId, { recipient: { name: '박취소', email: 'revoked.one@example.com' } });
    await b.t.app.inject({ method: 'POST', url: `/v1/credentials/${revoked.id}/revoke`, headers: issuer.headers, payload: { reason: '출석 기록 오류' } });
    const found: Record<string, string[]> = {};
    for (const lang of ['ko', 'en']) {
      for (const path of [
        '/',
        `/issuers/${issuer.slug}`,
        `/c/${issued.id}`,
        `/c/${issued.id}?view=print`,
        `/c/${groupIssued.id}`,
        `/c/${revoked.id}`,
        '/verify',
        '/me',
        '/c/00000000-0000-4000-8000-000000000000',
      ]) {
        const url = `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
        await page.goto(url);
        found[url] = await accessibilityViolations(page);
      }
      // The verify page's answer, for a pasted link.
      await page.goto(`/verify?lang=${lang}`);
      await page.fill('#text', issued.url);
      await submitVerify(page);
      found[`POST /verify?lang=${lang}`] = await accessibilityViolations(page);
    }
    expect(Object.entries(found).filter(([, violations]) => violations.length > 0)).toEqual([]);
    // The check itself sees a fault when there is one: an image without a text alternative.
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="/c/x/qr.png">'));
    expect((await accessibilityViolations(page)).join('\n')).toContain('image-alt');
    await page.close();
  });
});
