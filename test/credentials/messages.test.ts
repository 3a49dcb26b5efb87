/**
 * Errors a person can act on: every format rule says what it wants (never "needs one of: " and
 * nothing after it), and a cohort sent as CSV is answered in the columns the registrar typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_MEANINGS } from '../../src/errors.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let course = '';
let group = '';

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  course = (await createAchievement(t.app, issuer)).id;
  group = (await createAchievement(t.app, issuer, { kind: 'study_group', name: '알고리즘 스터디', hours: undefined })).id;
});
afterAll(() => t.close());

const issue = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/v1/credentials', headers: issuer.headers, payload });
const recipient = { name: '김민지', email: 'minji@example.com' };

describe('format rules, said in full', () => {
  it.each([
    [
      'activityStartDate',
      { activityStartDate: '2026/03/01' },
      /^field "activityStartDate" must be YYYY-MM-DD \(e\.g\. 2026-03-01\) or an ISO 8601 date-time with its time zone \(e\.g\. 2026-03-01T09:00:00\+09:00\)$/,
    ],
    ['activityEndDate', { activityEndDate: '1 March 2026' }, /YYYY-MM-DD .* or an ISO 8601 date-time with its time zone/],
    ['validFrom', { validFrom: '2026-03-01' }, /must be an ISO 8601 date-time with its time zone \(e\.g\. 2026-03-01T09:00:00\+09:00\)/],
    ['recipient.email', { recipient: { name: '김민지', email: 'not an address' } }, /must be an e-mail address \(e\.g\. minji@example\.com\)/],
    ['jwtAlgorithm', { jwtAlgorithm: 'HS256' }, /must be one of: "EdDSA", "RS256"/],
  ])('%s', async (field, extra, wanted) => {
    const res = await issue({ achievementId: course, recipient, ...extra });
    expect(res.statusCode, res.body).toBe(400);
    const problem = res.json();
    expect(problem.field).toBe(field);
    expect(problem.detail).toMatch(wanted);
    expect(problem.detail).not.toMatch(/needs one of: ?$|must match format/);
  });

  it('a recipient with no identity still names the fields it needs one of', async () => {
    const res = await issue({ achievementId: course, recipient: { name: '김민지' } });
    expect(res.json().detail).toBe('field "recipient" needs one of: email, did, externalId');
  });

  it('a nullable object says what it lacks, and that null clears it', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/issuers/${issuer.slug}/certificate`,
      headers: issuer.headers,
      payload: { signatory: { name: '홍길동' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('field "signatory" needs title (or null to clear it)');
  });

  it('has words for every format a schema uses', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const formats = new Set<string>();
    JSON.stringify(spec, (key, value) => {
      if (key === 'format' && typeof value === 'string') formats.add(value);
      return value;
    });
    // OpenAPI's own formats for binary bodies and numbers are not JSON Schema validation rules.
    for (const format of [...formats].filter((f) => !['binary', 'int32', 'int64', 'float', 'double'].includes(f)))
      expect(FORMAT_MEANINGS, format).toHaveProperty(format);
  });
});

describe('a cohort sent as CSV', () => {
  const csv = (text: string, achievementId = course) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/credentials/batch?achievementId=${achievementId}`,
      headers: { ...issuer.headers, 'content-type': 'text/csv' },
      payload: text,
    });

  it('names the columns the registrar typed, not the API fields they fill', async () => {
    const res = await csv(
      'name,email,activityStartDate,evidenceUrl\n' +
        '김민지,not-an-address,,\n' +
        '이서연,seoyeon@example.com,2026/03/01,\n' +
        '박지현,,,\n' +
        '최수빈,subin@example.com,,ftp://files.example/x\n' +
        '정하은,haeun@example.com,2026-03-01,\n',
    );
    expect(res.statusCode, res.body).toBe(200);
    const [email, date, none, evidence, ok] = res.json().results;
    expect(email.error).toEqual({ field: 'email', detail: expect.stringMatching(/^column "email" must be an e-mail address/) });
    expect(date.error.field).toBe('activityStartDate');
    expect(date.error.detail).toMatch(/^column "activityStartDate" must be YYYY-MM-DD .* or an ISO 8601 date-time/);
    expect(none.error).toEqual({ field: 'email', detail: 'column "email" needs one of: email, did, externalId' });
    expect(evidence.error.field).toBe('evidenceUrl');
    expect(evidence.error.detail).toMatch(/^column "evidenceUrl" must be an http\(s\) URL/);
    expect(ok.id).toBeDefined();
  });

  it("names a study group's columns, in the rules checked after the schema too", async () => {
    const res = await csv(
      'name,email,groupName,sessionsAttended,sessionsTotal\n라,csv-a@example.com,알고리즘,13,12\n마,csv-b@example.com,알고리즘,열둘,12\n',
      group,
    );
    const [tooMany, notNumber] = res.json().results;
    expect(tooMany.error.field).toBe('sessionsAttended');
    expect(notNumber.error.field).toBe('sessionsAttended');
    expect(notNumber.error.detail).toMatch(/^column "sessionsAttended" must be integer/);
  });

  it('keeps the API fields for a JSON cohort', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/batch',
      headers: issuer.headers,
      payload: { achievementId: course, items: [{ recipient: { name: '가', email: 'nope' } }] },
    });
    expect(res.json().results[0].error).toEqual({
      field: 'recipient.email',
      detail: expect.stringMatching(/^field "recipient.email" must be an e-mail address/),
    });
  });
});
