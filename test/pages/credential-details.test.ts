/**
 * A credential's page says everything the credential and its row say: a study group's name, topic,
 * role and attendance; a training-hours award's threshold; when and why it was revoked or suspended;
 * dates with their time zone (activity dates as days); the certificate number once one was taken;
 * English names on English pages; QR alt text in the page's language; og:locale and the image size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let group: Awaited<ReturnType<typeof issueCredential>>;
let course: Awaited<ReturnType<typeof issueCredential>>;
let hoursId = '';

const get = (url: string) => t.app.inject({ method: 'GET', url });
/** The text of a fact row of the page (`<div id="…"><dt>…</dt><dd>…</dd></div>`). */
const fact = (body: string, id: string) => new RegExp(`<div id="${id}"><dt>[^<]*</dt><dd>([^<]*)</dd></div>`).exec(body)?.[1];

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app, { name: '서울시 도시재생지원센터' });
  const look = await t.app.inject({
    method: 'PATCH',
    url: `/v1/issuers/${issuer.slug}/certificate`,
    headers: issuer.headers,
    payload: { nameEn: 'Seoul Urban Regeneration Support Centre' },
  });
  expect(look.statusCode, look.body).toBe(200);
  const groupAchievement = await createAchievement(t.app, issuer, {
    kind: 'study_group',
    name: '도시재생 스터디그룹 활동',
    nameEn: 'Urban Regeneration Study Group',
    hours: undefined,
  });
  group = await issueCredential(t.app, issuer, groupAchievement.id, {
    recipient: { name: '이수진', email: 'sujin.lee@example.com' },
    role: '진행자',
    studyGroup: { name: '마을기록 연구모임', topic: '골목 상권의 기록과 보존', sessionsAttended: 12, sessionsTotal: 14 },
    activityStartDate: '2026-03-05',
    activityEndDate: '2026-06-25',
    validFrom: '2026-07-01T00:30:00Z',
  });
  const courseAchievement = await createAchievement(t.app, issuer, { name: '도시재생 코디네이터 과정' });
  course = await issueCredential(t.app, issuer, courseAchievement.id);
  const hours = await createAchievement(t.app, issuer, { kind: 'training_hours', name: '코디네이터 직무교육', hours: undefined, requiredHours: 20 });
  const session = await t.app.inject({
    method: 'POST',
    url: '/v1/training-hours',
    headers: issuer.headers,
    payload: { achievementId: hours.id, learner: { name: '박서연', email: 'seoyeon.park@example.com' }, hours: 20, activity: '역량 교육', date: '2026-05-20' },
  });
  expect(session.statusCode, session.body).toBe(201);
  hoursId = session.json().credential.id;
});
afterAll(() => t.close());

describe("a study group's page", () => {
  it('shows the group, its topic, the role and the attendance (ko)', async () => {
    const body = (await get(`/c/${group.id}?lang=ko`)).body;
    expect(fact(body, 'study-group')).toBe('마을기록 연구모임');
    expect(fact(body, 'study-group-topic')).toBe('골목 상권의 기록과 보존');
    expect(body).toContain('<dt>역할</dt><dd>진행자</dd>');
    expect(fact(body, 'attendance')).toBe('전체 14회 중 12회 참여');
    // Activity dates are days, as given; the issue moment is said in Seoul time with its zone.
    expect(body).toContain('2026년 3월 5일 – 2026년 6월 25일');
    expect(body).toContain('<dt>발급일</dt><dd>2026년 7월 1일 09:30 (한국 시간)</dd>');
  });

  it('in English: the English achievement and institution names, attendance in words, KST', async () => {
    const body = (await get(`/c/${group.id}?lang=en`)).body;
    expect(body).toContain('<h1 id="achievement-name">Urban Regeneration Study Group</h1>');
    expect(body).toContain('<dt>Issuer</dt><dd>Seoul Urban Regeneration Support Centre</dd>');
    expect(body).not.toContain('도시재생 스터디그룹 활동');
    // The group's own name is as the credential states it.
    expect(fact(body, 'study-group')).toBe('마을기록 연구모임');
    expect(fact(body, 'attendance')).toBe('12 of 14 sessions');
    expect(body).toContain('5 March 2026 – 25 June 2026');
    expect(body).toContain('1 July 2026 at 09:30 KST');
    expect(body).toContain('<title>Urban Regeneration Study Group — 이수진 · ');
  });

  it('has QR alt text in its language, og:locale and the badge image size', async () => {
    const ko = (await get(`/c/${group.id}?lang=ko`)).body;
    expect(ko).toContain('alt="이 배지 페이지로 연결되는 QR 코드"');
    expect(ko).toContain('<meta property="og:locale" content="ko_KR">');
    expect(ko).toContain('<meta property="og:locale:alternate" content="en_US">');
    expect(ko).toContain('<meta property="og:image:width" content="600"><meta property="og:image:height" content="600">');
    const png = await get(`/c/${group.id}/badge.png`);
    expect(png.rawPayload.readUInt32BE(16)).toBe(600);
    expect(png.rawPayload.readUInt32BE(20)).toBe(600);
    const en = (await get(`/c/${group.id}?lang=en`)).body;
    expect(en).toContain(`alt="QR code linking to this badge&#39;s page"`);
    expect(en).toContain('<meta property="og:locale" content="en_US">');
    expect(en).not.toContain('alt="QR"');
  });
});

describe('the verify page in English', () => {
  it('shows one of our credentials with the English names its institution gave', async () => {
    const boundary = 'ieumdetails';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n${group.url}\r\n--${boundary}--\r\n`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/verify?lang=en',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="verdict">Verified<');
    expect(res.body).toContain('<dt>Achievement</dt><dd>Urban Regeneration Study Group</dd>');
    expect(res.body).toContain('<dt>Issuer</dt><dd>Seoul Urban Regeneration Support Centre</dd>');
    // Korean pages keep the names as signed.
    const ko = await t.app.inject({
      method: 'POST',
      url: '/verify?lang=ko',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(ko.body).toContain('<dd>도시재생 스터디그룹 활동</dd>');
  });
});

describe("a training-hours award's page", () => {
  it('shows the hours earned and the threshold they reached', async () => {
    const ko = (await get(`/c/${hoursId}?lang=ko`)).body;
    expect(fact(ko, 'hours')).toBe('20 시간');
    expect(fact(ko, 'required-hours')).toBe('20 시간');
    const en = (await get(`/c/${hoursId}?lang=en`)).body;
    expect(en).toContain('<div id="required-hours"><dt>Hours required</dt><dd>20 hours</dd></div>');
  });
});

describe('the certificate number', () => {
  it('is shown once the certificate was printed, never taken by a page view', async () => {
    const before = (await get(`/c/${course.id}?lang=ko`)).body;
    expect(fact(before, 'certificate-number')).toBeUndefined();
    // A page view took no number: the first print is still number 1 of its year.
    const pdf = await get(`/c/${course.id}/certificate.pdf`);
    expect(pdf.statusCode).toBe(200);
    const year = new Date(Date.now() + 9 * 3_600_000).getUTCFullYear();
    // The rendered page is reused while its verdict is (at most half a second).
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fact((await get(`/c/${course.id}?lang=ko`)).body, 'certificate-number')).toBe(`제${year}-0001호`);
    expect(fact((await get(`/c/${course.id}?lang=en`)).body, 'certificate-number')).toBe(`No. ${year}-0001`);
  });
});

describe('a withdrawn credential', () => {
  it('says when it was suspended and why, then when it was revoked and why', async () => {
    const local = await issueCredential(t.app, issuer, (await createAchievement(t.app, issuer)).id);
    const suspend = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${local.id}/suspend`,
      headers: issuer.headers,
      payload: { reason: '출석 확인 중' },
    });
    expect(suspend.statusCode, suspend.body).toBe(200);
    const suspended = (await get(`/c/${local.id}?lang=ko`)).body;
    expect(suspended).toContain('id="verdict">정지됨<');
    expect(fact(suspended, 'withdrawn-at')).toMatch(/^\d{4}년 \d{1,2}월 \d{1,2}일 \d{2}:\d{2} \(한국 시간\)$/);
    expect(fact(suspended, 'withdrawn-reason')).toBe('출석 확인 중');
    expect(suspended).toContain('<dt>정지일</dt>');
    const revoke = await t.app.inject({
      method: 'POST',
      url: `/v1/credentials/${local.id}/revoke`,
      headers: issuer.headers,
      payload: { reason: '출석 기록 오류' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    const revoked = (await get(`/c/${local.id}?lang=en`)).body;
    expect(revoked).toContain('id="verdict">Revoked<');
    expect(revoked).toContain('<dt>Revoked on</dt>');
    expect(fact(revoked, 'withdrawn-at')).toMatch(/^\d{1,2} \w+ \d{4} at \d{2}:\d{2} KST$/);
    expect(fact(revoked, 'withdrawn-reason')).toBe('출석 기록 오류');
  });
});
