/**
 * The institution's look (PATCH/GET /v1/issuers/{slug}/certificate), achievements' English words
 * (PATCH /v1/achievements/{id}), and certificate numbers: unique, gapless and stable when many
 * certificates are first printed at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { dataUri, plainPng, sealPng } from './helpers.js';

let t: TestApp;
let issuer: TestIssuer;
let other: TestIssuer;

const patch = (slug: string, payload: unknown, headers: Record<string, string> = issuer.headers) =>
  t.app.inject({ method: 'PATCH', url: `/v1/issuers/${slug}/certificate`, headers, payload: payload as Record<string, unknown> });

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  other = await createIssuer(t.app);
});
afterAll(() => t.close());

describe('the institution’s look', () => {
  it('is set field by field, read back, and cleared with null', async () => {
    const empty = await t.app.inject({ method: 'GET', url: `/v1/issuers/${issuer.slug}/certificate`, headers: issuer.headers });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ slug: issuer.slug, nameEn: null, signatory: null, logo: null, seal: null, updatedAt: null });

    const set = await patch(issuer.slug, { nameEn: 'Seoul Women’s Job Centre', signatory: { name: '홍길동', title: '원장' }, seal: dataUri(sealPng()) });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ nameEn: 'Seoul Women’s Job Centre', signatory: { name: '홍길동', title: '원장' }, logo: null });
    expect(set.json().seal).toMatchObject({ width: 240, height: 240 });

    // Only the field sent changes.
    const logo = await patch(issuer.slug, { logo: dataUri(plainPng(300, 100)) }, admin);
    expect(logo.statusCode, logo.body).toBe(200);
    expect(logo.json()).toMatchObject({ nameEn: 'Seoul Women’s Job Centre', signatory: { name: '홍길동' }, logo: { width: 300, height: 100 } });
    expect(logo.json().seal).not.toBeNull();

    const cleared = await patch(issuer.slug, { seal: null, nameEn: null });
    expect(cleared.json()).toMatchObject({ nameEn: null, seal: null, logo: { width: 300 } });

    const audit = await t.db.selectFrom('audit_events').select('action').where('action', '=', 'certificate.settings-changed').execute();
    expect(audit).toHaveLength(3);
  });

  it('stores every PNG as plain 8-bit RGBA, whatever its depth or colour type, and an SVG rendered to PNG', async () => {
    for (const png of [plainPng(128, 128, { bitDepth: 16 }), plainPng(128, 128, { colorType: 0 }), plainPng(128, 128, { colorType: 2 })]) {
      const res = await patch(issuer.slug, { seal: dataUri(png) });
      expect(res.statusCode, res.body).toBe(200);
      const stored = Buffer.from(res.json().seal.dataUri.split(',')[1], 'base64');
      expect([stored[24], stored[25]]).toEqual([8, 6]); // IHDR bit depth 8, colour type 6 (RGBA)
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="45" fill="#c4161c"/></svg>`;
    const res = await patch(issuer.slug, { seal: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().seal.dataUri).toMatch(/^data:image\/png;base64,/);
  });

  const notPng = `data:image/png;base64,${Buffer.from('this is not a picture at all!!!').toString('base64')}`;
  it.each([
    ['an http URL (never fetched)', { logo: 'https://example.com/logo.png' }, 'logo', /data:image\/png/],
    ['a JPEG (no transparency for a seal)', { seal: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==' }, 'seal', /data:image\/png/],
    ['bytes that are not a PNG', { seal: notPng }, 'seal', /PNG signature/],
    ['a PNG too small to print', { seal: dataUri(plainPng(16, 16)) }, 'seal', /16×16 pixels; each side must be 64 to 2048/],
    ['a PNG too large', { logo: dataUri(plainPng(2100, 400)) }, 'logo', /2100×400 pixels; each side must be 64 to 2048/],
    ['a seal that is not about square', { seal: dataUri(plainPng(400, 100)) }, 'seal', /about square/],
    ['a logo that is a banner', { logo: dataUri(plainPng(1000, 100)) }, 'logo', /8 times as wide/],
    ['a PNG cut short', { seal: dataUri(plainPng(100, 100).subarray(0, 60)) }, 'seal', /not a whole one/],
    ['a signatory without a title', { signatory: { name: '홍길동' } }, 'signatory', /title/],
    ['a blank English name', { nameEn: '   ' }, 'nameEn', /./],
    ['a field it does not know', { colour: 'red' }, 'colour', /./],
  ])('refuses %s with a 400 naming the field', async (_what, payload, field, detail) => {
    const before = await t.db.selectFrom('certificate_settings').selectAll().where('issuer_id', 'is not', null).execute();
    const res = await patch(issuer.slug, payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().field).toMatch(new RegExp(`^${field}`));
    expect(res.json().detail).toMatch(detail);
    expect(await t.db.selectFrom('certificate_settings').selectAll().where('issuer_id', 'is not', null).execute()).toEqual(before);
  });

  it('refuses an empty change, another institution’s key, and no key', async () => {
    expect((await patch(issuer.slug, {})).statusCode).toBe(400);
    const theirs = await patch(issuer.slug, { nameEn: 'x' }, other.headers);
    expect(theirs.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/v1/issuers/${issuer.slug}/certificate`, headers: other.headers })).statusCode).toBe(403);
    expect((await patch(issuer.slug, { nameEn: 'x' }, {})).statusCode).toBe(401);
    expect((await patch('no-such-institution', { nameEn: 'x' }, admin)).statusCode).toBe(404);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/issuers/{slug}/certificate'].patch.operationId).toBe('updateCertificateSettings');
    expect(doc.paths['/c/{id}/certificate.pdf'].get.operationId).toBe('getCertificatePdf');
    expect(doc.paths['/v1/achievements/{id}'].patch.operationId).toBe('updateAchievementEnglish');
  });
});

describe('achievements’ English words', () => {
  it('are set on creation or later, shown in the API, and kept out of the signed Achievement', async () => {
    const created = await createAchievement(t.app, issuer, { nameEn: 'Introduction to Backend Development' });
    expect(created).toMatchObject({ nameEn: 'Introduction to Backend Development', descriptionEn: null });
    const url = `/v1/achievements/${created.id}`;
    const res = await t.app.inject({ method: 'PATCH', url, headers: issuer.headers, payload: { descriptionEn: 'A 450-hour course' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: '백엔드 개발자 입문과정', nameEn: 'Introduction to Backend Development', descriptionEn: 'A 450-hour course' });
    expect((await t.app.inject({ method: 'GET', url, headers: issuer.headers })).json().descriptionEn).toBe('A 450-hour course');
    expect(JSON.stringify(res.json().achievement)).not.toContain('Introduction');
    const cleared = await t.app.inject({ method: 'PATCH', url, headers: issuer.headers, payload: { nameEn: null } });
    expect(cleared.json().nameEn).toBeNull();
    // Nothing else may change, and only its own institution may change it.
    expect((await t.app.inject({ method: 'PATCH', url, headers: issuer.headers, payload: { name: '다른 이름' } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PATCH', url, headers: issuer.headers, payload: {} })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PATCH', url, headers: other.headers, payload: { nameEn: 'x' } })).statusCode).toBe(404);
  });
});

describe('certificate numbers', () => {
  it('are unique, gapless and stable when many certificates are first printed at once', async () => {
    const institution = await createIssuer(t.app);
    const achievement = await createAchievement(t.app, institution);
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: institution.headers,
      payload: {
        achievementId: achievement.id,
        items: Array.from({ length: 16 }, (_, i) => ({ recipient: { name: `학습자 ${i}`, email: `l${i}@example.com` } })),
      },
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    const ids = (
      await t.db
        .selectFrom('credentials')
        .innerJoin('issuers', 'issuers.id', 'credentials.issuer_id')
        .select('credentials.id')
        .where('issuers.slug', '=', institution.slug)
        .execute()
    ).map((r) => r.id);
    expect(ids).toHaveLength(16);
    // Each credential asked for three times at once, from the service and over HTTP, all in flight together.
    const asked = ids.flatMap((id) => [id, id, id]);
    const numbers = await Promise.all(
      asked.map(async (id, i) => {
        if (i % 3 === 2) {
          const res = await t.app.inject({ method: 'GET', url: `/c/${id}/certificate.pdf` });
          expect(res.statusCode).toBe(200);
          return (await t.app.services.certificates.numberOf(id))!.serial;
        }
        return (await t.app.services.certificates.numberOf(id))!.serial;
      }),
    );
    const byId = new Map<string, number>();
    asked.forEach((id, i) => {
      if (byId.has(id)) expect(numbers[i], `one credential, one number`).toBe(byId.get(id));
      byId.set(id, numbers[i]!);
    });
    expect([...byId.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const counter = await t.db
      .selectFrom('certificate_counters')
      .innerJoin('issuers', 'issuers.id', 'certificate_counters.issuer_id')
      .select('last')
      .where('issuers.slug', '=', institution.slug)
      .execute();
    expect(counter.map((c) => c.last)).toEqual([16]);
    // Another institution counts from 1 on its own.
    const theirs = await issueCredential(t.app, other, (await createAchievement(t.app, other)).id);
    expect((await t.app.services.certificates.numberOf(theirs.id))!.serial).toBe(1);
  });
});
