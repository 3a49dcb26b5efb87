/**
 * Her own part, signed in through a real mailed link: every credential issued to her e-mail by two
 * institutions (typed in different cases) together and newest first, her hours per institution and
 * year, public/private (the public page and every file say only that it is private; her own session
 * sees it whole; it still verifies), collections made, shared and withdrawn, the download of
 * everything, deleting her sign-in data, and the OpenAPI document that describes it all.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { startMailSink, type MailSink } from '../helpers/learner-mail.js';
import { FORM, ownOrigin, signInByMail } from '../helpers/learners.js';

let t: TestApp;
let sink: MailSink;
let centre: TestIssuer;
let college: TestIssuer;
type Issued = Awaited<ReturnType<typeof issueCredential>>;
let older: Issued;
let middle: Issued;
let newest: Issued;
let others: Issued;
let cookie: string;
const CENTRE = '서울여성능력개발원';
const COLLEGE = '서울AI대학';

const json = (cookieValue: string) => ({ cookie: cookieValue, ...ownOrigin(t.app) });

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ env: { SMTP_URL: sink.smtpUrl, RATE_LIMIT_PER_MINUTE: '0' } });
  centre = await createIssuer(t.app, { name: CENTRE });
  college = await createIssuer(t.app, { name: COLLEGE, url: 'https://ai.college.example' });
  const course = await createAchievement(t.app, centre, { name: '백엔드 개발자 입문과정' });
  const aiCourse = await createAchievement(t.app, college, { name: '생성형 AI 실무', hours: 40 });
  const hoursAchievement = await createAchievement(t.app, centre, {
    kind: 'training_hours',
    name: '코디네이터 직무교육',
    requiredHours: 100,
    hours: undefined,
  });
  older = await issueCredential(t.app, centre, course.id, { recipient: { name: '김민지', email: 'Minji.Kim@Example.com' }, validFrom: '2025-05-01T00:00:00Z' });
  middle = await issueCredential(t.app, college, aiCourse.id, {
    recipient: { name: '김민지', email: 'minji.kim@example.com' },
    validFrom: '2026-06-01T00:00:00Z',
  });
  newest = await issueCredential(t.app, centre, course.id, { recipient: { name: '김민지', email: 'MINJI.KIM@example.com' } });
  others = await issueCredential(t.app, college, aiCourse.id, { recipient: { name: '이지현', email: 'jihyun.lee@example.com' } });
  for (const [hours, date] of [
    [3, '2026-01-05'],
    [4.5, '2026-02-10'],
    [2, '2025-11-02'],
  ] as const) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/training-hours',
      headers: centre.headers,
      payload: { achievementId: hoursAchievement.id, learner: { name: '김민지', email: 'minji.KIM@example.com' }, hours, activity: '직무교육', date },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  cookie = await signInByMail(t.app, sink, 'minji.kim@example.com');
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('her credentials', () => {
  it('lists every credential issued to her e-mail by both institutions, newest first, with live state and hours', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const body = res.json();
    expect(body.credentials.map((c: any) => c.id)).toEqual([newest.id, middle.id, older.id]);
    expect(body.credentials.map((c: any) => c.issuer.name)).toEqual([CENTRE, COLLEGE, CENTRE]);
    expect(body.credentials[1]).toMatchObject({ name: '생성형 AI 실무', kind: 'course', state: 'verified', public: true, url: middle.url, hours: 40 });
    expect(body.hours).toEqual([
      { issuerName: CENTRE, issuerSlug: centre.slug, year: 2026, totalHours: 7.5 },
      { issuerName: CENTRE, issuerSlug: centre.slug, year: 2025, totalHours: 2 },
    ]);
  });

  it('shows a revoked credential as revoked, with the reason', async () => {
    const revoked = await issueCredential(t.app, college, (await createAchievement(t.app, college)).id, {
      recipient: { name: '김민지', email: 'minji.kim@example.com' },
    });
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${revoked.id}/revoke`, headers: college.headers, payload: { reason: '발급 착오' } });
    const list = (await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie } })).json().credentials;
    expect(list.find((c: any) => c.id === revoked.id)).toMatchObject({ state: 'revoked', statusReason: '발급 착오' });
  });

  it('answers 401 problem+json without a session, and with a made-up cookie', async () => {
    for (const headers of [{}, { cookie: '__Host-ieum-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }]) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().type).toBe('https://ieum.dev/problems/unauthorized');
    }
  });

  it("answers 404 for another person's credential, and leaves it as it was", async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${others.id}`, headers: json(cookie), payload: { public: false } });
    expect(res.statusCode).toBe(404);
    const row = await t.db.selectFrom('credentials').select('private').where('id', '=', others.id).executeTakeFirstOrThrow();
    expect(row.private).toBe(false);
  });

  it('refuses a PATCH from another origin (403) and a body with an unknown field (400 naming it)', async () => {
    const cross = await t.app.inject({
      method: 'PATCH',
      url: `/v1/me/credentials/${older.id}`,
      headers: { cookie, origin: 'https://evil.example' },
      payload: { public: false },
    });
    expect(cross.statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${older.id}`, headers: json(cookie), payload: { public: 'no' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('public');
  });
});

describe('a private credential', () => {
  beforeAll(async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${older.id}`, headers: json(cookie), payload: { public: false } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id: older.id, public: false });
  });
  afterAll(async () => {
    await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${older.id}`, headers: json(cookie), payload: { public: true } });
  });

  it('has a public page that says only that it is private', async () => {
    for (const lang of ['ko', 'en']) {
      const res = await t.app.inject({ method: 'GET', url: `/c/${older.id}?lang=${lang}` });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.body).toContain(lang === 'ko' ? '비공개 배지' : 'Private badge');
      for (const secret of ['김민지', '백엔드', CENTRE, 'badge.png', 'og:image']) expect(res.body).not.toContain(secret);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    }
  });

  it.each(['credential.json', 'credential.jwt', 'badge.png', 'badge.svg', 'qr.svg', 'qr.png'])('refuses its file %s: 403 credential-private', async (file) => {
    const res = await t.app.inject({ method: 'GET', url: `/c/${older.id}/${file}` });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ type: 'https://ieum.dev/problems/credential-private' });
    expect(res.body).not.toContain('김민지');
  });

  it('refuses its JSON-LD by content negotiation, and its link on the verify page', async () => {
    const ld = await t.app.inject({ method: 'GET', url: `/c/${older.id}`, headers: { accept: 'application/ld+json' } });
    expect(ld.statusCode).toBe(403);
    expect(ld.body).not.toContain('김민지');
    const form = `--b\r\nContent-Disposition: form-data; name="text"\r\n\r\n${older.url}\r\n--b--\r\n`;
    const page = await t.app.inject({ method: 'POST', url: '/verify?lang=en', headers: { 'content-type': 'multipart/form-data; boundary=b' }, payload: form });
    expect(page.body).toContain('link of a private badge');
    expect(page.body).not.toContain('백엔드 개발자 입문과정');
  });

  it('still verifies as itself, by JSON-LD and by JWT (POST /v1/verify)', async () => {
    for (const payload of [{ credential: older.credential }, { jwt: older.jwt }]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/verify', payload });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ verified: true, state: 'verified' });
    }
  });

  it('is whole for her own session (page and files), never cached by others', async () => {
    const page = await t.app.inject({ method: 'GET', url: `/c/${older.id}`, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('백엔드 개발자 입문과정');
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.headers.vary).toContain('cookie');
    const file = await t.app.inject({ method: 'GET', url: `/c/${older.id}/credential.jwt`, headers: { cookie } });
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe(older.jwt);
    expect(page.body).toContain('id="private-notice"');
  });

  it("is private to another learner's session too", async () => {
    await issueCredential(t.app, centre, (await createAchievement(t.app, centre)).id, { recipient: { name: '박서연', email: 'seoyeon@example.com' } });
    const theirs = await signInByMail(t.app, sink, 'seoyeon@example.com');
    expect((await t.app.inject({ method: 'GET', url: `/c/${older.id}`, headers: { cookie: theirs } })).statusCode).toBe(403);
  });

  it('is public again when she says so', async () => {
    await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${older.id}`, headers: json(cookie), payload: { public: true } });
    const res = await t.app.inject({ method: 'GET', url: `/c/${older.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('백엔드 개발자 입문과정');
    await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${older.id}`, headers: json(cookie), payload: { public: false } });
  });
});

describe('collections', () => {
  it("refuses another person's credential in a collection: 404 naming it", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/me/collections',
      headers: json(cookie),
      payload: { name: '모음', credentialIds: [newest.id, others.id] },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().field).toBe('credentialIds.1');
    expect((await t.db.selectFrom('collections').selectAll().execute()).length).toBe(0);
  });

  it('makes, lists, shares (page, QR, Open Graph) and withdraws a collection; private credentials show in it', async () => {
    await t.app.inject({ method: 'PATCH', url: `/v1/me/credentials/${older.id}`, headers: json(cookie), payload: { public: false } });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/me/collections',
      headers: json(cookie),
      payload: { name: '이력서용 배지 모음', credentialIds: [middle.id, older.id] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const collection = created.json();
    expect(collection.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(collection.url).toBe(`https://badges.example.kr/p/${collection.id}`);
    expect(created.headers.location).toBe(collection.url);

    const listed = (await t.app.inject({ method: 'GET', url: '/v1/me/collections', headers: { cookie } })).json();
    expect(listed.collections).toEqual([expect.objectContaining({ id: collection.id, name: '이력서용 배지 모음', credentialIds: [middle.id, older.id] })]);

    const page = await t.app.inject({ method: 'GET', url: `/p/${collection.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('이력서용 배지 모음');
    expect(page.body).toContain('생성형 AI 실무');
    // Private, yet shown here: she chose to share it.
    expect(page.body).toContain('백엔드 개발자 입문과정');
    expect(page.body.match(/data-state="verified"/g)?.length).toBe(2);
    expect(page.body).toContain(`<meta property="og:url" content="${collection.url}">`);
    expect(page.body).toContain(`<meta property="og:title" content="이력서용 배지 모음`);
    expect(page.body).not.toContain('minji');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const svg = await t.app.inject({ method: 'GET', url: `/p/${collection.id}/qr.svg` });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    const png = await t.app.inject({ method: 'GET', url: `/p/${collection.id}/qr.png` });
    expect(png.headers['content-type']).toBe('image/png');

    // Another learner cannot withdraw it.
    const theirs = await signInByMail(t.app, sink, 'seoyeon@example.com');
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/me/collections/${collection.id}`, headers: json(theirs) })).statusCode).toBe(404);

    const withdrawn = await t.app.inject({ method: 'DELETE', url: `/v1/me/collections/${collection.id}`, headers: json(cookie) });
    expect(withdrawn.statusCode).toBe(204);
    for (const url of [`/p/${collection.id}`, `/p/${collection.id}/qr.svg`, `/p/${collection.id}/qr.png`]) {
      const gone = await t.app.inject({ method: 'GET', url });
      expect(gone.statusCode).toBe(404);
      expect(gone.headers['content-type']).toContain('text/html');
    }
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/me/collections/${collection.id}`, headers: json(cookie) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/p/not-a-uuid' })).statusCode).toBe(404);
  });

  it('refuses a collection with no name or no credentials (400 naming the field)', async () => {
    for (const [payload, field] of [
      [{ name: '', credentialIds: [newest.id] }, 'name'],
      [{ name: 'x', credentialIds: [] }, 'credentialIds'],
      [{ name: 'x', credentialIds: [newest.id, newest.id] }, 'credentialIds'],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/me/collections', headers: json(cookie), payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
    }
  });
});

describe('the /me page', () => {
  it('signed out: the sign-in form', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/me' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="sign-in-form"');
    expect(res.headers['cache-control']).toBe('private, no-store');
  });

  it('signed in: every credential of hers, her hours, and forms that work without script', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/me?lang=en', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    for (const id of [newest.id, middle.id, older.id]) expect(res.body).toContain(`id="c-${id}"`);
    expect(res.body).not.toContain(others.id);
    expect(res.body.indexOf(newest.id)).toBeLessThan(res.body.indexOf(middle.id));
    expect(res.body).toContain(CENTRE);
    expect(res.body).toContain(COLLEGE);
    expect(res.body).toContain('7.5 hours');
    expect(res.body).toContain('href="/v1/me/export"');
    expect(res.body).toContain('action="/me/collections');
  });

  it('makes a collection and changes visibility through its forms (303 back to /me)', async () => {
    const made = await t.app.inject({
      method: 'POST',
      url: '/me/collections?lang=en',
      headers: { ...FORM, ...json(cookie) },
      payload: new URLSearchParams([
        ['name', '포트폴리오'],
        ['credentialIds', newest.id],
        ['credentialIds', middle.id],
      ]).toString(),
    });
    expect(made.statusCode, made.body).toBe(303);
    expect(made.headers.location).toMatch(/^\/me\?lang=en#p-/);
    const shown = (await t.app.inject({ method: 'GET', url: '/v1/me/collections', headers: { cookie } })).json().collections;
    expect(shown[0]).toMatchObject({ name: '포트폴리오', credentialIds: [newest.id, middle.id] });
    const toggled = await t.app.inject({
      method: 'POST',
      url: `/me/credentials/${newest.id}/visibility`,
      headers: { ...FORM, ...json(cookie) },
      payload: 'public=false',
    });
    expect(toggled.statusCode).toBe(303);
    expect((await t.app.inject({ method: 'GET', url: `/c/${newest.id}` })).statusCode).toBe(403);
    const cross = await t.app.inject({ method: 'POST', url: `/me/credentials/${newest.id}/visibility`, headers: { ...FORM, cookie }, payload: 'public=true' });
    expect(cross.statusCode).toBe(403);
    await t.app.inject({ method: 'POST', url: `/me/credentials/${newest.id}/visibility`, headers: { ...FORM, ...json(cookie) }, payload: 'public=true' });
    expect((await t.app.inject({ method: 'GET', url: `/c/${newest.id}` })).statusCode).toBe(200);
  });
});

describe('the download of everything', () => {
  it('holds each of her credentials as signed JSON-LD and as a JWT, and nobody else’s', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/me/export', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ieum-credentials-\d{4}-\d{2}-\d{2}\.json"$/);
    const body = res.json();
    const byId = new Map(body.credentials.map((c: any) => [c.id, c]));
    for (const issued of [newest, middle, older]) {
      expect((byId.get(issued.id) as any).jwt).toBe(issued.jwt);
      expect((byId.get(issued.id) as any).credential).toEqual(issued.credential);
    }
    expect(byId.has(others.id)).toBe(false);
  });
});

describe('deleting her sign-in data', () => {
  it('removes her sessions, links and collections, keeps her credentials and her privacy choices', async () => {
    const second = await signInByMail(t.app, sink, 'minji.kim@example.com');
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers: json(cookie) });
    expect(res.statusCode).toBe(204);
    expect(res.cookies[0]?.value).toBe('');
    for (const session of [cookie, second])
      expect((await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie: session } })).statusCode).toBe(401);
    const count = async (table: 'learner_sessions' | 'learner_sign_in_links' | 'collections') =>
      Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where email = 'minji.kim@example.com'`.execute(t.db)).rows[0]!.n);
    expect(await count('learner_sessions')).toBe(0);
    expect(await count('learner_sign_in_links')).toBe(0);
    expect(await count('collections')).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: `/c/${older.id}` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/c/${middle.id}` })).statusCode).toBe(200);
    // She can sign in again, and finds everything of hers.
    cookie = await signInByMail(t.app, sink, 'minji.kim@example.com');
    expect((await t.app.inject({ method: 'GET', url: '/v1/me/credentials', headers: { cookie } })).json().credentials.length).toBeGreaterThanOrEqual(3);
  });
});

describe('the OpenAPI document', () => {
  it('is valid, and describes her routes with the session cookie scheme', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await SwaggerParser.validate(structuredClone(doc));
    expect(doc.components.securitySchemes.learnerSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: '__Host-ieum-session' });
    for (const [path, method] of [
      ['/v1/me/credentials', 'get'],
      ['/v1/me/credentials/{id}', 'patch'],
      ['/v1/me/collections', 'post'],
      ['/v1/me/collections', 'get'],
      ['/v1/me/collections/{id}', 'delete'],
      ['/v1/me', 'delete'],
      ['/v1/me/sign-out', 'post'],
      ['/v1/me/export', 'get'],
    ] as const) {
      expect(doc.paths[path][method].security, `${method} ${path}`).toEqual([{ learnerSession: [] }]);
      expect(doc.paths[path][method].operationId).toBeTruthy();
    }
    expect(doc.paths['/v1/learner/sign-in'].post.security).toBeUndefined();
    expect(doc.paths['/v1/learner/sign-in'].post.responses['202']).toBeDefined();
  });
});
