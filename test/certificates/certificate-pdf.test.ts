/**
 * GET /c/{id}/certificate.pdf as a registrar, a learner and an employer meet it: each kind of
 * certificate in Korean and English, valid and then revoked, rendered to PNG (pdftoppm), its text
 * read back (pdftotext) and its QR decoded (jsQR) to the credential's page. The PNGs are kept in
 * .tmp/certificates/ for a person to look at.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { dataUri, holds, logoPng, readPdf, sealPng } from './helpers.js';

let t: TestApp;
let issuer: TestIssuer;
const SEOUL_NAME = '서울여성능력개발원';
const ENGLISH_NAME = 'Seoul Women’s Job Centre';
const REASON = '출석 기록 오류로 잘못 발급됨';

interface Case {
  kind: 'course' | 'study_group' | 'training_hours';
  id: string;
  url: string;
  learner: string;
  ko: { title: string; achievement: string; facts: string[] };
  en: { title: string; achievement: string; facts: string[] };
}
const cases: Case[] = [];
/** Each credential's number as first printed: it must never change. */
const numbers = new Map<string, string>();
/** A learner with credentials here, for a CLR (which has no certificate). */
let clrLearner = '';

const pdf = (id: string, query = '', headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: `/c/${id}/certificate.pdf${query}`, headers });
const seoulYear = (iso: string) => new Date(new Date(iso).getTime() + 9 * 3_600_000).getUTCFullYear();

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { name: SEOUL_NAME });
  const look = await t.app.inject({
    method: 'PATCH',
    url: `/v1/issuers/${issuer.slug}/certificate`,
    headers: issuer.headers,
    payload: {
      nameEn: ENGLISH_NAME,
      signatory: { name: '홍길동', title: '원장', nameEn: 'Hong Gildong', titleEn: 'Director' },
      logo: dataUri(logoPng()),
      seal: dataUri(sealPng()),
    },
  });
  expect(look.statusCode, look.body).toBe(200);

  const course = await createAchievement(t.app, issuer, { nameEn: 'Introduction to Backend Development' });
  const courseCredential = await issueCredential(t.app, issuer, course.id, {
    recipient: { name: '김민지', email: 'minji.kim@example.com' },
    activityStartDate: '2026-03-02',
    activityEndDate: '2026-08-28',
    creditsEarned: 450,
  });
  cases.push({
    kind: 'course',
    id: courseCredential.id,
    url: courseCredential.url,
    learner: '김민지',
    ko: { title: '수료증', achievement: '백엔드 개발자 입문과정', facts: ['450시간', '2026년 3월 2일', '2026년 8월 28일', '과정명', '교육기간'] },
    en: { title: 'Certificate of Completion', achievement: 'Introduction to Backend Development', facts: ['450 hours', '2 March 2026', '28 August 2026'] },
  });

  const group = await createAchievement(t.app, issuer, {
    kind: 'study_group',
    name: '도시재생 스터디그룹 활동',
    nameEn: 'Urban Regeneration Study Group',
    description: '마을의 기록을 함께 읽고 쓰는 모임',
    hours: undefined,
  });
  const groupCredential = await issueCredential(t.app, issuer, group.id, {
    recipient: { name: '이수진', email: 'sujin.lee@example.com' },
    role: '진행자',
    studyGroup: { name: '마을기록 연구모임', topic: '골목 상권의 기록과 보존', sessionsAttended: 12, sessionsTotal: 14 },
    activityStartDate: '2026-03-05',
    activityEndDate: '2026-06-25',
  });
  cases.push({
    kind: 'study_group',
    id: groupCredential.id,
    url: groupCredential.url,
    learner: '이수진',
    ko: {
      title: '참여확인서',
      achievement: '도시재생 스터디그룹 활동',
      facts: ['마을기록 연구모임', '골목 상권의 기록과 보존', '진행자', '전체 14회 중 12회 참여', '참여하였음을 확인합니다'],
    },
    en: {
      title: 'Certificate of Participation',
      achievement: 'Urban Regeneration Study Group',
      facts: ['마을기록 연구모임', '12 of 14 sessions', 'took part in'],
    },
  });

  const hours = await createAchievement(t.app, issuer, {
    kind: 'training_hours',
    name: '코디네이터 직무교육',
    nameEn: 'Job Training for Coordinators',
    description: '연간 60시간 직무교육',
    hours: undefined,
    requiredHours: 60,
  });
  let hoursCredential: { id: string; url: string } | undefined;
  let hoursLearner = '';
  // 62 hours over eight sessions (at most 24 a session): the threshold of 60 is reached on the last.
  for (const [h, date] of [
    [8, '2026-03-10'],
    [8, '2026-03-17'],
    [8, '2026-03-24'],
    [8, '2026-04-07'],
    [8, '2026-04-14'],
    [8, '2026-04-28'],
    [8, '2026-05-12'],
    [6, '2026-05-20'],
  ] as const) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/training-hours',
      headers: issuer.headers,
      payload: { achievementId: hours.id, learner: { name: '박서연', email: 'seoyeon.park@example.com' }, hours: h, activity: '코디네이터 역량 교육', date },
    });
    expect(res.statusCode, res.body).toBe(201);
    if (res.json().credential) hoursCredential = res.json().credential;
    hoursLearner = res.json().learnerId;
  }
  expect(hoursCredential).toBeDefined();
  clrLearner = hoursLearner;
  cases.push({
    kind: 'training_hours',
    id: hoursCredential!.id,
    url: hoursCredential!.url,
    learner: '박서연',
    ko: {
      title: '교육이수확인서',
      achievement: '코디네이터 직무교육',
      facts: ['총 62시간', '기준 60시간', '2026년 3월 10일', '2026년 5월 20일', '이수하였음을 확인합니다'],
    },
    en: {
      title: 'Certificate of Training Hours',
      achievement: 'Job Training for Coordinators',
      facts: ['62 hours in total', 'required: 60 hours', '10 March 2026', '20 May 2026'],
    },
  });
});
afterAll(() => t.close());

describe.each(['valid', 'revoked'] as const)('each kind of certificate, %s', (state) => {
  beforeAll(async () => {
    if (state !== 'revoked') return;
    for (const c of cases) {
      const res = await t.app.inject({ method: 'POST', url: `/v1/credentials/${c.id}/revoke`, headers: issuer.headers, payload: { reason: REASON } });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it.each(['course', 'study_group', 'training_hours'] as const)('%s: ko and en, read back from the PNG and the text', async (kind) => {
    const c = cases.find((x) => x.kind === kind)!;
    const { valid_from } = await t.db.selectFrom('credentials').select('valid_from').where('id', '=', c.id).executeTakeFirstOrThrow();
    const year = seoulYear(valid_from.toISOString());
    for (const lang of ['ko', 'en'] as const) {
      const res = await pdf(c.id, lang === 'en' ? '?lang=en' : '');
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toMatch(new RegExp(`^inline; filename="certificate-${issuer.slug}-${year}-\\d{4}-${lang}\\.pdf"$`));
      expect(res.headers['cache-control']).toBe('public, no-cache');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      const read = readPdf(res.rawPayload, `${kind.replace('_', '-')}-${lang}-${state}`);
      expect(read.pages).toBe(1);
      // The QR, decoded from the picture, is the credential's page.
      expect(read.qr).toBe(c.url);
      expect(holds(read, c.url)).toBe(true);
      const words = c[lang];
      for (const expected of [c.learner, words.title, words.achievement, ...words.facts])
        expect(holds(read, expected), `${lang}: "${expected}" in\n${read.text}`).toBe(true);
      // The institution, its signatory, and the certificate number of its year.
      const number = lang === 'ko' ? new RegExp(`제${year}-(\\d{4})호`) : new RegExp(`No\\.${year}-(\\d{4})`);
      const serial = number.exec(read.compact)?.[1];
      expect(serial, read.text).toBeDefined();
      const known = numbers.get(c.id);
      if (known) expect(serial).toBe(known);
      else numbers.set(c.id, serial!);
      if (lang === 'ko') {
        expect(holds(read, SEOUL_NAME)).toBe(true);
        expect(holds(read, '원장 홍길동')).toBe(true);
      } else {
        expect(holds(read, ENGLISH_NAME)).toBe(true);
        expect(holds(read, 'Director Hong Gildong')).toBe(true);
        // English names where given: the Korean achievement name is not printed.
        expect(holds(read, c.ko.achievement)).toBe(false);
      }
      // Revoked: the stamp, its reason and date; never a clean copy.
      for (const word of ['취소됨', 'REVOKED', REASON]) expect(holds(read, word), `${lang} ${state}: "${word}"`).toBe(state === 'revoked');
    }
  });
});

describe('numbers, state and caching', () => {
  it('numbers are per institution and year, in order of first print, and the same on every print', async () => {
    const serials = cases.map((c) => Number(numbers.get(c.id)));
    expect(serials.sort()).toEqual([1, 2, 3]);
    const other = await createIssuer(t.app);
    const achievement = await createAchievement(t.app, other);
    const credential = await issueCredential(t.app, other, achievement.id);
    const first = readPdf((await pdf(credential.id)).rawPayload);
    expect(first.compact).toMatch(/제\d{4}-0001호/);
    const number = await t.app.services.certificates.numberOf(credential.id);
    expect(number?.serial).toBe(1);
    expect(number?.text.ko).toMatch(/^제\d{4}-0001호$/);
  });

  it('a suspended credential is stamped 정지됨 / SUSPENDED with its reason; lifting the suspension prints it clean again', async () => {
    const achievement = await createAchievement(t.app, issuer, { name: '데이터 분석 기초' });
    const credential = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '최유나', email: 'yuna@example.com' } });
    const suspend = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${credential.id}/suspend`,
      headers: issuer.headers,
      payload: { reason: '이의 신청 검토 중' },
    });
    expect(suspend.statusCode, suspend.body).toBe(200);
    const ko = readPdf((await pdf(credential.id)).rawPayload, 'course-ko-suspended');
    for (const word of ['정지됨', 'SUSPENDED', '이의 신청 검토 중', '효력이 정지']) expect(holds(ko, word), word).toBe(true);
    const en = readPdf((await pdf(credential.id, '?lang=en')).rawPayload);
    expect(holds(en, 'SUSPENDED')).toBe(true);
    expect(holds(en, 'This certificate is suspended')).toBe(true);
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/unsuspend`, headers: issuer.headers, payload: { reason: '검토 완료' } });
    const clean = readPdf((await pdf(credential.id)).rawPayload);
    expect(holds(clean, '정지됨')).toBe(false);
    expect(clean.qr).toBe(credential.url);
  });

  it('answers 304 to its own ETag, and a new ETag once the state changes', async () => {
    const achievement = await createAchievement(t.app, issuer, { name: '클라우드 입문' });
    const credential = await issueCredential(t.app, issuer, achievement.id);
    const first = await pdf(credential.id);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect((await pdf(credential.id, '', { 'if-none-match': etag })).statusCode).toBe(304);
    // Weak comparison: the same tag without W/ matches too, among others.
    expect((await pdf(credential.id, '', { 'if-none-match': `"other", ${etag.slice(2)}` })).statusCode).toBe(304);
    // Another language is another file.
    expect((await pdf(credential.id, '?lang=en')).headers.etag).not.toBe(etag);
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/revoke`, headers: issuer.headers, payload: { reason: '중복 발급' } });
    const after = await pdf(credential.id, '', { 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(holds(readPdf(after.rawPayload), '취소됨')).toBe(true);
  });

  it('a private credential: 403 credential-private to anyone but its learner, whose own session gets it uncached', async () => {
    const achievement = await createAchievement(t.app, issuer, { name: '프런트엔드 심화' });
    const credential = await issueCredential(t.app, issuer, achievement.id, { recipient: { name: '정하은', email: 'haeun@example.com' } });
    await t.db.updateTable('credentials').set({ private: true }).where('id', '=', credential.id).execute();
    const stranger = await pdf(credential.id);
    expect(stranger.statusCode).toBe(403);
    expect(stranger.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stranger.json().type).toBe('https://ieum.dev/problems/credential-private');
    expect(await t.db.selectFrom('certificate_numbers').selectAll().where('credential_id', '=', credential.id).execute()).toEqual([]);

    const session = async (email: string) => {
      const token = randomBytes(32).toString('base64url');
      await t.db
        .insertInto('learner_sessions')
        .values({ token_hash: createHash('sha256').update(token).digest('hex'), email, expires_at: new Date(Date.now() + 3_600_000) })
        .execute();
      return { cookie: `${t.app.services.signIn.cookieName}=${token}` };
    };
    expect((await pdf(credential.id, '', await session('someone.else@example.com'))).statusCode).toBe(403);
    const hers = await pdf(credential.id, '', await session('haeun@example.com'));
    expect(hers.statusCode).toBe(200);
    expect(hers.headers['cache-control']).toBe('private, no-store');
    expect(holds(readPdf(hers.rawPayload), '정하은')).toBe(true);
  });

  it('no certificate for an unknown id, an id that is not a UUID, or a CLR', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await pdf(id);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // A CLR (her record at the institution) needs a credential that still holds: hers above were revoked.
    await issueCredential(t.app, issuer, (await createAchievement(t.app, issuer, { name: '안전교육' })).id, {
      recipient: { name: '박서연', email: 'seoyeon.park@example.com' },
    });
    const clr = await t.app.inject({ method: 'POST', url: `/v1/learners/${clrLearner}/clr`, headers: issuer.headers, payload: {} });
    expect(clr.statusCode, clr.body).toBe(201);
    expect((await pdf(clr.json().id)).statusCode).toBe(404);
    // Any other ?lang is Korean, the certificate's first language.
    const read = readPdf((await pdf(cases[0]!.id, '?lang=fr')).rawPayload);
    expect(holds(read, '수료증')).toBe(true);
  });

  it('the English names stay out of the signed credential and the public Achievement', async () => {
    const c = cases[0]!;
    const document = (await t.app.inject({ method: 'GET', url: `/c/${c.id}/credential.json` })).body;
    expect(document).not.toContain('Introduction to Backend Development');
    const row = await t.db.selectFrom('credentials').select('achievement_id').where('id', '=', c.id).executeTakeFirstOrThrow();
    const achievement = (await t.app.inject({ method: 'GET', url: `/achievements/${row.achievement_id}` })).json();
    expect(JSON.stringify(achievement)).not.toContain('Introduction to Backend Development');
    expect(achievement.name).toBe('백엔드 개발자 입문과정');
    // What an English page may show instead (src/pages reads it through the certificate service).
    expect(await t.app.services.certificates.englishNames(c.id)).toEqual({
      achievementName: 'Introduction to Backend Development',
      achievementDescription: null,
      institutionName: ENGLISH_NAME,
    });
  });
});
