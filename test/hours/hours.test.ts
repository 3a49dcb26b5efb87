import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyWithLibrary } from '../helpers/independent-verify.js';

const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let centre: TestIssuer;
let hoursAchievement: string;

const record = (issuer: TestIssuer, body: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/training-hours', headers: issuer.headers, payload: body });
const session = (email: string, hours: number, date: string, extra: Record<string, unknown> = {}) => ({
  achievementId: hoursAchievement,
  learner: { name: '이지현', email },
  hours,
  activity: '도시재생 코디네이터 직무교육',
  date,
  ...extra,
});

beforeAll(async () => {
  t = await buildTestApp();
  centre = await createIssuer(t.app, { name: '서울시 도시재생지원센터' });
  hoursAchievement = (
    await createAchievement(t.app, centre, { kind: 'training_hours', name: '도시재생 코디네이터 연간 직무교육 60시간', requiredHours: 60, hours: undefined })
  ).id;
});
afterAll(() => t.close());

describe('the training-hours ledger', () => {
  it('makes exactly one 60-hour credential from three sessions of 20 hours', async () => {
    const first = await record(centre, session('jihyun@example.com', 20, '2026-03-14'));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ totalHours: 20, requiredHours: 60, credential: null, year: 2026 });
    await record(centre, session('jihyun@example.com', 20, '2026-05-09'));
    const third = (await record(centre, session('jihyun@example.com', 20, '2026-09-19'))).json();
    expect(third.totalHours).toBe(60);
    expect(third.credential).toMatchObject({ issuedNow: true });
    const fourth = (await record(centre, session('jihyun@example.com', 4, '2026-10-01'))).json();
    expect(fourth.credential).toMatchObject({ id: third.credential.id, issuedNow: false });

    const stored = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${third.credential.id}`, headers: centre.headers })).json();
    const subject = stored.credential.credentialSubject;
    expect(subject.creditsEarned).toBe(60);
    expect(subject.activityStartDate).toBe('2026-03-14T00:00:00Z');
    expect(subject.activityEndDate).toBe('2026-09-19T00:00:00Z');
    expect(subject.achievement.creditsAvailable).toBe(60);
    expect(ob3SchemaErrors(stored.credential)).toEqual([]);
    expect((await verifyWithLibrary(t.app, PUBLIC, stored.credential)).verified).toBe(true);

    const list = (
      await t.app.inject({ method: 'GET', url: `/v1/credentials?achievementId=${hoursAchievement}&learner=jihyun@example.com`, headers: centre.headers })
    ).json();
    expect(list.items).toHaveLength(1);

    const hours = (await t.app.inject({ method: 'GET', url: `/v1/learners/${third.learnerId}/hours`, headers: centre.headers })).json();
    expect(hours.sessions).toHaveLength(4);
    expect(hours.totals).toEqual([
      {
        achievementId: hoursAchievement,
        achievementName: '도시재생 코디네이터 연간 직무교육 60시간',
        year: 2026,
        totalHours: 64,
        requiredHours: 60,
        credentialId: third.credential.id,
      },
    ]);
  });

  it('gives one credential when two sessions cross the threshold at the same moment', async () => {
    await record(centre, session('race@example.com', 20, '2026-02-01'));
    await record(centre, session('race@example.com', 20, '2026-02-02'));
    const answers = await Promise.all([
      record(centre, session('race@example.com', 20, '2026-02-03')),
      record(centre, session('race@example.com', 20, '2026-02-04')),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201]);
    const issuedNow = answers.filter((a) => a.json().credential?.issuedNow === true);
    expect(issuedNow).toHaveLength(1);
    const list = (
      await t.app.inject({ method: 'GET', url: `/v1/credentials?achievementId=${hoursAchievement}&learner=race@example.com`, headers: centre.headers })
    ).json();
    expect(list.items).toHaveLength(1);
  });

  it('states in the award the total it was issued with, whatever lands while it is signed', async () => {
    // The award is signed before its transaction, for the total the session would make: a session
    // that lands in between makes it stale, and it is signed again for the total as it stands.
    await record(centre, session('overtaken@example.com', 20, '2026-03-01'));
    await record(centre, session('overtaken@example.com', 20, '2026-03-02'));
    const answers = await Promise.all([
      record(centre, session('overtaken@example.com', 20, '2026-03-03')),
      record(centre, session('overtaken@example.com', 10, '2026-03-04')),
      record(centre, session('overtaken@example.com', 5, '2026-03-05')),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201]);
    const issuedNow = answers.map((a) => a.json()).filter((a) => a.credential?.issuedNow === true);
    expect(issuedNow).toHaveLength(1);
    const stored = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${issuedNow[0].credential.id}`, headers: centre.headers })).json();
    expect(stored.credential.credentialSubject.creditsEarned).toBe(issuedNow[0].totalHours);
    expect(issuedNow[0].totalHours).toBeGreaterThanOrEqual(60);
    const list = (
      await t.app.inject({ method: 'GET', url: `/v1/credentials?achievementId=${hoursAchievement}&learner=overtaken@example.com`, headers: centre.headers })
    ).json();
    expect(list.items).toHaveLength(1);
  });

  it('awards a total reached in fractions of an hour, summed exactly', async () => {
    await record(centre, session('fractions@example.com', 19.9, '2026-05-01'));
    await record(centre, session('fractions@example.com', 20, '2026-05-02'));
    await record(centre, session('fractions@example.com', 19.9, '2026-05-03'));
    const last = (await record(centre, session('fractions@example.com', 0.2, '2026-05-04'))).json();
    expect(last).toMatchObject({ totalHours: 60, credential: { issuedNow: true } });
    const stored = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${last.credential.id}`, headers: centre.headers })).json();
    expect(stored.credential.credentialSubject.creditsEarned).toBe(60);
  });

  it('counts a session resent with the same Idempotency-Key once', async () => {
    const body = session('resend@example.com', 8, '2026-07-01');
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/training-hours',
      headers: { ...centre.headers, 'idempotency-key': 'sheet-7-row-3' },
      payload: body,
    });
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/training-hours',
      headers: { ...centre.headers, 'idempotency-key': 'sheet-7-row-3' },
      payload: body,
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().session.id).toBe(first.json().session.id);
    expect(again.json().totalHours).toBe(8);
  });

  it('counts each year on its own', async () => {
    await record(centre, session('years@example.com', 24, '2025-12-30'));
    await record(centre, session('years@example.com', 24, '2025-12-31'));
    const next = (await record(centre, session('years@example.com', 24, '2026-01-02'))).json();
    expect(next).toMatchObject({ year: 2026, totalHours: 24, credential: null });
  });

  it('voiding a session below the threshold reports it and does not revoke', async () => {
    const ids: string[] = [];
    for (const date of ['2026-04-01', '2026-04-02', '2026-04-03']) ids.push((await record(centre, session('void@example.com', 20, date))).json().session.id);
    const issued = (
      await t.app.inject({ method: 'GET', url: `/v1/credentials?achievementId=${hoursAchievement}&learner=void@example.com`, headers: centre.headers })
    ).json().items[0];
    const voided = await t.app.inject({ method: 'POST', url: `/v1/training-hours/${ids[0]}/void`, headers: centre.headers, payload: { reason: '중복 입력' } });
    expect(voided.statusCode, voided.body).toBe(200);
    expect(voided.json()).toMatchObject({ totalHours: 40, belowThreshold: true, credentialId: issued.id, session: { voided: true, voidReason: '중복 입력' } });
    expect(voided.json().notice).toMatch(/not revoked automatically/);
    const state = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${issued.id}`, headers: centre.headers })).json().status.state;
    expect(state).toBe('active');
    const again = await t.app.inject({ method: 'POST', url: `/v1/training-hours/${ids[0]}/void`, headers: centre.headers, payload: { reason: 'x' } });
    expect(again.statusCode).toBe(409);
    const audit = await t.db.selectFrom('audit_events').select(['action', 'details']).where('subject', '=', ids[0]!).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['hours.recorded', 'hours.voided']));
  });

  it('identifies a learner by the institution’s own id', async () => {
    const body = { ...session('unused@example.com', 24, '2026-06-01'), learner: { name: '박서준', externalId: 'SRC-2026-0042' } };
    await record(centre, body);
    await record(centre, { ...body, date: '2026-06-02' });
    const third = (await record(centre, { ...body, date: '2026-06-03', hours: 12 })).json();
    expect(third.credential.issuedNow).toBe(true);
    const stored = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${third.credential.id}`, headers: centre.headers })).json();
    expect(stored.credential.credentialSubject.identifier[0]).toMatchObject({ identityType: 'identifier', hashed: true });
    expect(JSON.stringify(stored.credential)).not.toContain('SRC-2026-0042');
    expect(ob3SchemaErrors(stored.credential)).toEqual([]);
    const learner = (await t.app.inject({ method: 'GET', url: `/v1/learners/${third.learnerId}`, headers: centre.headers })).json();
    expect(learner).toMatchObject({ name: '박서준', externalId: 'SRC-2026-0042', credentials: [{ id: third.credential.id, state: 'active' }] });
  });

  it.each([
    [{ hours: 0 }, 'hours'],
    [{ hours: 25 }, 'hours'],
    [{ hours: -3 }, 'hours'],
    [{ date: '2026-02-30' }, 'date'],
    [{ date: 'tomorrow' }, 'date'],
    [{ activity: '' }, 'activity'],
    [{ learner: { name: '이름만' } }, 'learner'],
  ])('refuses %o naming %s, writing nothing', async (change, field) => {
    const before = await t.db
      .selectFrom('training_hours')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await record(centre, { ...session('bad@example.com', 2, '2026-01-05'), ...change });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toBe(field);
    const after = await t.db
      .selectFrom('training_hours')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('refuses hours against a course achievement, and another institution’s learner', async () => {
    const course = await createAchievement(t.app, centre);
    const res = await record(centre, { ...session('c@example.com', 2, '2026-01-05'), achievementId: course.id });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('achievementId');
    const learnerId = (await record(centre, session('own@example.com', 2, '2026-01-05'))).json().learnerId;
    const other = await createIssuer(t.app);
    expect((await t.app.inject({ method: 'GET', url: `/v1/learners/${learnerId}`, headers: other.headers })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/learners/${learnerId}/hours`, headers: other.headers })).statusCode).toBe(404);
  });
});

describe('study groups', () => {
  let group: string;
  beforeAll(async () => {
    group = (
      await createAchievement(t.app, centre, {
        kind: 'study_group',
        name: '2026 봄 시즌 스터디그룹',
        hours: undefined,
        description: '여성 IT 커뮤니티 스터디그룹 활동',
      })
    ).id;
  });

  it('records role, group, topic and attendance as an OB result', async () => {
    const issued = await issueCredential(t.app, centre, group, {
      role: '팀장',
      activityStartDate: '2026-03-01',
      activityEndDate: '2026-06-30',
      studyGroup: { name: '알고리즘 마스터', topic: '코딩테스트 대비', sessionsAttended: 11, sessionsTotal: 12 },
      evidence: [{ url: 'https://github.com/algo-master/side-project', name: '사이드 프로젝트 저장소' }],
    });
    const subject = issued.credential.credentialSubject;
    expect(subject.role).toBe('팀장');
    expect(subject.narrative).toBe('스터디그룹 「알고리즘 마스터」 · 주제: 코딩테스트 대비 · 12회 중 11회 참여');
    expect(subject.result).toEqual([{ type: ['Result'], resultDescription: `${PUBLIC}/achievements/${group}#attendance`, value: '11' }]);
    expect(subject.achievement.achievementType).toBe('CoCurricular');
    expect(ob3SchemaErrors(issued.credential)).toEqual([]);
    expect((await verifyWithLibrary(t.app, PUBLIC, issued.credential)).verified).toBe(true);
  });

  it.each([
    [{ studyGroup: { name: 'g', sessionsAttended: 13, sessionsTotal: 12 } }, 'studyGroup.sessionsAttended'],
    [{ activityStartDate: '2026-06-01', activityEndDate: '2026-05-01' }, 'activityEndDate'],
  ])('refuses %o', async (change, field) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: centre.headers,
      payload: { achievementId: group, recipient: { name: 'a', email: 'a@example.com' }, ...change },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
  });

  it('refuses study group details on a course', async () => {
    const course = await createAchievement(t.app, centre);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: centre.headers,
      payload: { achievementId: course.id, recipient: { name: 'a', email: 'a@example.com' }, studyGroup: { name: 'g' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('studyGroup');
  });
});
