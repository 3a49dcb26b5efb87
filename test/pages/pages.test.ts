import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unbakePng, unbakeSvg } from '../../src/badges/baking.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyWithLibrary } from '../helpers/independent-verify.js';

const jsQR = jsQRModule.default;
const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;
let issued: Awaited<ReturnType<typeof issueCredential>>;

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { name: '서울시 도시재생지원센터' });
  achievementId = (await createAchievement(t.app, issuer, { name: '도시재생 코디네이터 직무교육' })).id;
  issued = await issueCredential(t.app, issuer, achievementId, {
    role: '팀장',
    evidence: [
      { url: 'https://github.com/minji/project', name: '사이드 프로젝트' },
      { url: 'javascript:alert(1)', name: 'x' },
    ].slice(0, 1),
  });
});
afterAll(() => t.close());

describe('the credential page', () => {
  it('is Korean by default with the verdict, facts, checks, QR and share links', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/c/${issued.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const page = res.body;
    expect(page).toContain('<html lang="ko">');
    expect(page).toContain('id="verdict">검증됨<');
    for (const text of ['김민지', '도시재생 코디네이터 직무교육', '서울시 도시재생지원센터', '팀장', '450 시간', '사이드 프로젝트'])
      expect(page).toContain(text);
    for (const check of ['proof', 'status', 'validity', 'schema', 'issuer']) expect(page).toContain(`data-check="${check}"`);
    expect(page).toContain(`src="/c/${issued.id}/qr.svg"`);
    expect(page).toContain('https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME');
    expect(page).toContain(`certId=${issued.id}`);
    expect(page).toContain('property="og:title"');
    expect(page).toContain('name="twitter:card"');
    expect(page).not.toMatch(/<script>|onclick=|style="/);
  });

  it('switches to English with ?lang=en and with Accept-Language', async () => {
    const byQuery = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=en` });
    expect(byQuery.body).toContain('<html lang="en">');
    expect(byQuery.body).toContain('id="verdict">Verified<');
    const byHeader = await t.app.inject({ method: 'GET', url: `/c/${issued.id}`, headers: { 'accept-language': 'en-US,en;q=0.9,ko;q=0.5' } });
    expect(byHeader.body).toContain('<html lang="en">');
    const korean = await t.app.inject({ method: 'GET', url: `/c/${issued.id}`, headers: { 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.8' } });
    expect(korean.body).toContain('<html lang="ko">');
  });

  it('answers Accept: application/ld+json on the same URL with the credential', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/c/${issued.id}`, headers: { accept: 'application/ld+json' } });
    expect(res.json()).toEqual(issued.credential);
  });

  it('sends strict security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/c/${issued.id}` });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBeTruthy();
  });

  it('shows revoked with the reason after revocation', async () => {
    const local = await issueCredential(t.app, issuer, achievementId);
    const before = (await t.app.inject({ method: 'GET', url: `/c/${local.id}?lang=ko` })).body;
    for (const link of ['linkedin.com/profile/add', '?view=print', '/badge.png" download', `/c/${local.id}/certificate.pdf?lang=ko`])
      expect(before).toContain(link);
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${local.id}/revoke`, headers: issuer.headers, payload: { reason: '출석 기록 오류' } });
    const page = (await t.app.inject({ method: 'GET', url: `/c/${local.id}?lang=ko` })).body;
    expect(page).toContain('id="verdict">취소됨<');
    expect(page).toContain('출석 기록 오류');
    // Nothing that would show a revoked credential off; its PDF stays, stamped as revoked.
    for (const link of ['linkedin.com/profile/add', '?view=print', '/badge.png" download', '/badge.svg" download']) expect(page).not.toContain(link);
    expect(page).toContain(`/c/${local.id}/certificate.pdf?lang=ko`);
  });

  it('escapes everything the institution or learner typed', async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const ach = await createAchievement(t.app, issuer, { name: `${hostile} 과정`, description: hostile, criteria: { narrative: hostile } });
    const c = await issueCredential(t.app, issuer, ach.id, { recipient: { name: hostile, email: 'x@example.com' } });
    const page = (await t.app.inject({ method: 'GET', url: `/c/${c.id}` })).body;
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const svg = (await t.app.inject({ method: 'GET', url: `/c/${c.id}/badge.svg` })).body;
    expect(svg.split('<openbadges:credential')[0]).not.toContain('<script>');
  });

  it('shows a friendly 404 page for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await t.app.inject({ method: 'GET', url: `/c/${id}` });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('배지를 찾을 수 없습니다');
    }
  });

  it('answers odd addresses with a page, never a JSON error', async () => {
    const fr = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=fr` });
    expect(fr.statusCode).toBe(200);
    expect(fr.body).toContain('<html lang="ko">');
    expect((await t.app.inject({ method: 'GET', url: `/c/${issued.id}?lang=EN` })).body).toContain('<html lang="en">');
    const pdf = await t.app.inject({ method: 'GET', url: `/c/${issued.id}?view=pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.body).toContain('id="verdict"');
    const slash = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/` });
    expect(slash.statusCode).toBe(200);
    const long = await t.app.inject({ method: 'GET', url: `/c/${'x'.repeat(90)}` });
    expect(long.statusCode).toBe(404);
    expect(long.headers['content-type']).toMatch(/text\/html/);
    // Past the router's limit on a path segment, the answer is 414, still not an error of ours.
    expect((await t.app.inject({ method: 'GET', url: `/c/${'x'.repeat(300)}` })).statusCode).toBe(414);
    expect((await t.app.inject({ method: 'GET', url: '/verify?lang=ja' })).statusCode).toBe(200);
  });

  it('has a print view with the QR code', async () => {
    const page = (await t.app.inject({ method: 'GET', url: `/c/${issued.id}?view=print` })).body;
    expect(page).toContain('class="certificate"');
    expect(page).toContain(`/c/${issued.id}/qr.svg`);
    expect(page).toContain('김민지');
  });
});

describe('files', () => {
  it('encodes the page URL in the QR codes', async () => {
    const png = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/qr.png` });
    expect(png.headers['content-type']).toBe('image/png');
    const image = PNG.sync.read(png.rawPayload);
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(`${PUBLIC}/c/${issued.id}`);
    const svg = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/qr.svg` });
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(svg.body).toContain('viewBox');
  });

  it('offers the credential as JSON-LD and as a JWT download', async () => {
    const json = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/credential.json` });
    expect(json.headers['content-disposition']).toMatch(/attachment/);
    expect(JSON.parse(json.body)).toEqual(issued.credential);
    const jwt = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/credential.jwt` });
    expect(jwt.body).toBe(issued.jwt);
  });

  it('bakes the credential into badge.png and badge.svg, and the unbaked credential verifies', async () => {
    const png = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/badge.png` });
    expect(png.headers['content-type']).toBe('image/png');
    expect(PNG.sync.read(png.rawPayload).width).toBeGreaterThan(100);
    const fromPng = JSON.parse(unbakePng(png.rawPayload)!);
    expect(fromPng).toEqual(issued.credential);
    expect(ob3SchemaErrors(fromPng)).toEqual([]);
    expect((await verifyWithLibrary(t.app, PUBLIC, fromPng)).verified).toBe(true);
    const svg = await t.app.inject({ method: 'GET', url: `/c/${issued.id}/badge.svg` });
    expect(JSON.parse(unbakeSvg(svg.body)!)).toEqual(issued.credential);
    // The API verifies a baked image as it is.
    const verdict = await t.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'image/png' }, payload: png.rawPayload });
    expect(verdict.json()).toMatchObject({ verified: true, state: 'verified' });
  });
});

describe('the verify page', () => {
  const form = (fields: Record<string, string | { filename: string; type: string; data: Buffer }>) => {
    const boundary = '----ieumtest' + Math.random().toString(16).slice(2);
    const parts: Buffer[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (typeof value === 'string') {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
      } else {
        parts.push(
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: ${value.type}\r\n\r\n`),
          value.data,
          Buffer.from('\r\n'),
        );
      }
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: Buffer.concat(parts) };
  };

  it('shows the form', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/verify' });
    expect(res.body).toContain('디지털 배지 검증');
    expect(res.body).toContain('enctype="multipart/form-data"');
  });

  it.each([
    ['a pasted JWT', () => ({ text: issued.jwt }), '검증됨'],
    ['a pasted JSON credential', () => ({ text: JSON.stringify(issued.credential) }), '검증됨'],
    ['a link to the page', () => ({ text: `${PUBLIC}/c/${issued.id}` }), '검증됨'],
    ['a tampered JSON credential', () => ({ text: JSON.stringify({ ...issued.credential, name: '위조' }) }), '위조되었거나 손상됨'],
  ])('verifies %s', async (_what, fields, word) => {
    const res = await t.app.inject({ method: 'POST', url: '/verify', ...form(fields()) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`id="verdict">${word}<`);
  });

  it('verifies a dropped baked badge image', async () => {
    const png = (await t.app.inject({ method: 'GET', url: `/c/${issued.id}/badge.png` })).rawPayload;
    const res = await t.app.inject({ method: 'POST', url: '/verify', ...form({ text: '', file: { filename: 'badge.png', type: 'image/png', data: png } }) });
    expect(res.body).toContain('id="verdict">검증됨<');
  });

  it('explains instead of fetching a link to another site (no SSRF)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/verify', ...form({ text: 'http://169.254.169.254/latest/meta-data/' }) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('이 서비스에서 발급한 배지의 링크만');
  });

  it('answers garbage with a readable error, not a 5xx', async () => {
    for (const text of ['hello', '{not json', '', 'a.b.c']) {
      const res = await t.app.inject({ method: 'POST', url: '/verify', ...form({ text }) });
      expect(res.statusCode, text).toBe(200);
      expect(res.body).toMatch(/id="verify-error"|id="verdict"/);
    }
  });
});
