/**
 * The pages for people beyond a credential's own: the front door (`/`), an institution's page
 * (`/issuers/{slug}` asked for as HTML, while other software keeps its JSON-LD) and its logo.
 */
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let other: TestIssuer;
const NAME = '서울여성능력개발원 강남센터';
const NAME_EN = 'Seoul Women Skills Centre, Gangnam';

/** A 320×80 PNG logo (pngs made by resvg, as the certificate settings keep them). */
const logoPng = () =>
  Buffer.from(
    new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="80"><rect width="320" height="80" fill="#2a6f97"/></svg>').render().asPng(),
  );
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const page = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { accept: BROWSER_ACCEPT, ...headers } });

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { name: NAME, description: '경력이음 여성의 IT 재취업 교육' });
  other = await createIssuer(t.app, { name: '가나다 도시재생지원센터' });
  const look = await t.app.inject({
    method: 'PATCH',
    url: `/v1/issuers/${issuer.slug}/certificate`,
    headers: issuer.headers,
    payload: { nameEn: NAME_EN, logo: `data:image/png;base64,${logoPng().toString('base64')}` },
  });
  expect(look.statusCode, look.body).toBe(200);
  await createAchievement(t.app, issuer, { name: '백엔드 개발자 입문과정', nameEn: 'Backend Developer Foundations', hours: 450 });
  await createAchievement(t.app, issuer, { kind: 'study_group', name: '알고리즘 스터디', hours: undefined });
  await createAchievement(t.app, issuer, { kind: 'training_hours', name: '코디네이터 직무교육', hours: undefined, requiredHours: 60 });
});
afterAll(() => t.close());

describe('the front door, /', () => {
  it('says what the service is for each reader, holds a verify box, and lists the institutions', async () => {
    const res = await page('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const body = res.body;
    expect(body).toContain('<html lang="ko">');
    for (const id of ['for-learners', 'for-employers', 'for-institutions']) expect(body).toContain(`id="${id}"`);
    // The verify box is the /verify page's own form: posted there as multipart, a link or a file.
    expect(body).toContain('action="/verify?lang=ko" enctype="multipart/form-data"');
    expect(body).toContain('name="text"');
    expect(body).toContain('name="file" type="file"');
    expect(body).toContain(`href="/issuers/${issuer.slug}?lang=ko">${NAME}</a>`);
    expect(body).toContain(`href="/issuers/${other.slug}?lang=ko">가나다 도시재생지원센터</a>`);
    // By name: 가나다 before 서울.
    expect(body.indexOf(other.slug)).toBeLessThan(body.indexOf(issuer.slug));
    // Nothing from another origin, no inline script or style.
    expect(body).not.toMatch(/(src|href)="https?:/);
    expect(body).not.toMatch(/<script>|onclick=|style="/);
    expect(body).toContain('property="og:locale" content="ko_KR"');
  });

  it('is English with ?lang=en or an English browser, with the English names institutions gave', async () => {
    for (const res of [await page('/?lang=en'), await page('/', { 'accept-language': 'en-GB,en;q=0.9' })]) {
      expect(res.body).toContain('<html lang="en">');
      expect(res.body).toContain('Digital badges, issued and verified');
      expect(res.body).toContain(`href="/issuers/${issuer.slug}?lang=en">${NAME_EN}</a>`);
      expect(res.body).toContain('>가나다 도시재생지원센터</a>');
      expect(res.body).toContain('action="/verify?lang=en"');
      expect(res.body).toContain('property="og:locale" content="en_US"');
    }
  });

  it('links the brand in every page header to itself', async () => {
    expect((await page('/verify?lang=en')).body).toContain('<a class="brand" href="/?lang=en">');
  });
});

describe("an institution's page, /issuers/{slug} as text/html", () => {
  it('shows its name, description, website, logo and achievements with kind and hours', async () => {
    const res = await page(`/issuers/${issuer.slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers.vary).toContain('accept');
    const body = res.body;
    expect(body).toContain(`<h1 id="institution-name">${NAME}</h1>`);
    expect(body).toContain('경력이음 여성의 IT 재취업 교육');
    expect(body).toContain('href="https://women.seoul.example/"');
    expect(body).toContain(`<img src="/issuers/${issuer.slug}/logo.png" alt="${NAME} 로고">`);
    expect(body).toContain('백엔드 개발자 입문과정');
    expect(body).toContain('과정 수료');
    expect(body).toContain('시간: 450 시간');
    expect(body).toContain('알고리즘 스터디');
    expect(body).toContain('스터디그룹 참여');
    expect(body).toContain('이수 기준: 60 시간');
    expect(body).not.toMatch(/(src)="https?:/);
  });

  it('is English with English names where given, Korean ones otherwise', async () => {
    const body = (await page(`/issuers/${issuer.slug}?lang=en`)).body;
    expect(body).toContain(`<h1 id="institution-name">${NAME_EN}</h1>`);
    expect(body).toContain('Backend Developer Foundations');
    expect(body).not.toContain('백엔드 개발자 입문과정');
    expect(body).toContain('알고리즘 스터디');
    expect(body).toContain('Hours required: 60 hours');
    expect(body).toContain(`alt="${NAME_EN} logo"`);
  });

  it('serves the logo it set, as PNG; an institution without one has no logo route', async () => {
    const logo = await t.app.inject({ method: 'GET', url: `/issuers/${issuer.slug}/logo.png` });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    expect(logo.rawPayload.readUInt32BE(16)).toBe(320);
    expect((await t.app.inject({ method: 'GET', url: `/issuers/${other.slug}/logo.png` })).statusCode).toBe(404);
    expect((await page(`/issuers/${other.slug}`)).body).not.toContain('logo.png');
  });

  it('is a 404 page for an unknown institution', async () => {
    const res = await page('/issuers/no-such-place');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('발급기관을 찾을 수 없습니다');
  });

  it.each([
    ['no Accept', undefined],
    ['*/*', '*/*'],
    ['application/ld+json', 'application/ld+json'],
    ['application/json', 'application/json'],
    ['JSON-LD preferred over HTML', 'application/ld+json, text/html;q=0.5'],
    ['JSON-LD as wanted as HTML', 'text/html, application/json'],
  ])('keeps JSON-LD for other software: %s', async (_what, accept) => {
    const res = await t.app.inject({ method: 'GET', url: `/issuers/${issuer.slug}`, headers: accept ? { accept } : {} });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(res.json()).toMatchObject({ type: ['Profile'], name: NAME, id: issuer.did });
  });

  it('keeps the JSON 404 problem for software', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/issuers/no-such-place', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });
});
