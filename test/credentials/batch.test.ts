import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, type TestApp, countCredentials } from '../helpers/app.js';
import { createAchievement, createIssuer, type TestIssuer } from '../helpers/fixtures.js';
import { ob3SchemaErrors, verifyWithLibrary } from '../helpers/independent-verify.js';
import { waitUntil } from '../helpers/wait.js';

const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;

const SURNAMES = ['김', '이', '박', '최', '정', '강', '조', '윤', '장', '임'];
const GIVEN = ['민지', '서연', '지현', '수빈', '하은', '예린', '지우', '채원', '다은', '유나'];
const koreanName = (i: number) => `${SURNAMES[i % 10]}${GIVEN[Math.floor(i / 10) % 10]}`;

const batch = (body: unknown, headers: Record<string, string> = {}, query = '') =>
  t.app.inject({ method: 'POST', url: `/v1/credentials/batch${query}`, headers: { ...issuer.headers, ...headers }, payload: body as any });
const csv = (text: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/credentials/batch?achievementId=${achievementId}`,
    headers: { ...issuer.headers, 'content-type': 'text/csv', ...headers },
    payload: text,
  });

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer, { name: '디지털 새싹 AI 과정' })).id;
});
afterAll(() => t.close());

describe('a cohort as JSON', () => {
  it('issues the valid rows and names the invalid ones by position and field, in order', async () => {
    const before = await countCredentials(t.db);
    const res = await batch({
      achievementId,
      items: [
        { recipient: { name: '김민지', email: 'minji@example.com' }, creditsEarned: 120 },
        { recipient: { name: '이서연', email: 'not-an-email' } },
        { recipient: { name: '박지현', email: 'jihyun@example.com' }, activityStartDate: '2026-05-01', activityEndDate: '2026-04-01' },
        { recipient: { name: '최수빈', did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }, jwtAlgorithm: 'RS256' },
        { recipient: { name: '정하은', email: 'haeun@example.com' }, colour: 'red' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 5, issued: 2, failed: 3, replayed: 0 });
    expect(body.results.map((r: any) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(body.results[0].url).toBe(`${PUBLIC}/c/${body.results[0].id}`);
    expect(body.results[1].error.field).toBe('recipient.email');
    expect(body.results[2].error.field).toBe('activityEndDate');
    expect(body.results[3].id).toBeTruthy();
    expect(body.results[4].error.field).toBe('colour');
    expect(await countCredentials(t.db)).toBe(before + 2);
    for (const r of [body.results[0], body.results[3]]) {
      const stored = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${r.id}`, headers: issuer.headers })).json();
      expect(ob3SchemaErrors(stored.credential)).toEqual([]);
      expect((await verifyWithLibrary(t.app, PUBLIC, stored.credential)).verified).toBe(true);
    }
  });

  it('issues nothing twice when the same upload is retried with its Idempotency-Key', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ recipient: { name: koreanName(i), email: `retry${i}@example.com` } }));
    const first = (await batch({ achievementId, items }, { 'idempotency-key': 'cohort-2026-spring' })).json();
    expect(first.issued).toBe(30);
    const before = await countCredentials(t.db);
    const again = (await batch({ achievementId, items }, { 'idempotency-key': 'cohort-2026-spring' })).json();
    expect(again).toMatchObject({ issued: 0, replayed: 30, failed: 0 });
    expect(again.results.map((r: any) => r.id)).toEqual(first.results.map((r: any) => r.id));
    expect(await countCredentials(t.db)).toBe(before);
    // A longer retry (the first upload was cut short) issues only the new rows.
    const longer = [...items, ...Array.from({ length: 5 }, (_, i) => ({ recipient: { name: koreanName(i + 30), email: `retry${i + 30}@example.com` } }))];
    const rest = (await batch({ achievementId, items: longer }, { 'idempotency-key': 'cohort-2026-spring' })).json();
    expect(rest).toMatchObject({ issued: 5, replayed: 30 });
  });

  it("refuses another institution's achievement and a missing achievementId", async () => {
    const other = await createIssuer(t.app);
    const theirs = await createAchievement(t.app, other);
    expect((await batch({ achievementId: theirs.id, items: [{ recipient: { name: 'a', email: 'a@example.com' } }] })).statusCode).toBe(404);
    const missing = await batch({ items: [{ recipient: { name: 'a', email: 'a@example.com' } }] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().field).toBe('achievementId');
    expect((await batch({ achievementId, items: [] })).statusCode).toBe(400);
  });
});

describe('a cohort as CSV', () => {
  it('reads a spreadsheet export: BOM, Korean names, an empty row, a duplicate and a bad row', async () => {
    const text =
      '\uFEFFname,email,creditsEarned,evidenceUrl,evidenceName\r\n' +
      '김민지,csv.minji@example.com,120,https://github.com/minji/final,최종 프로젝트\r\n' +
      '이서연,csv.seoyeon@example.com,120,,\r\n' +
      '\r\n' +
      '박지현,CSV.Minji@Example.com,120,,\r\n' +
      '"최, 수빈",csv.subin@example.com,열두,,\r\n' +
      '정하은,csv.haeun@example.com,,,\r\n';
    const res = await csv(text);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 5, issued: 3, failed: 2 });
    expect(body.results.map((r: any) => r.line)).toEqual([2, 3, 5, 6, 7]);
    expect(body.results[2].error).toMatchObject({ field: 'email', detail: expect.stringContaining('row 0') });
    expect(body.results[3].error.field).toBe('creditsEarned');
    const first = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${body.results[0].id}`, headers: issuer.headers })).json().credential;
    expect(first.credentialSubject.name).toBe('김민지');
    expect(first.credentialSubject.creditsEarned).toBe(120);
    expect(first.evidence[0]).toMatchObject({ id: 'https://github.com/minji/final', name: '최종 프로젝트' });
  });

  it('names an unknown column and a malformed file', async () => {
    const unknown = await csv('name,email,phone\n김민지,a@example.com,010\n');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().field).toBe('phone');
    const broken = await csv('name,email\n"김민지,a@example.com\n');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().field).toBe('body');
  });

  it('keeps the chunks written before a failed write, none of the failed one, and a retry issues the rest', async () => {
    // The database refuses one learner, as a full disk or a lost connection would refuse a chunk:
    // the second of three chunks (500 rows each) fails while the third is being signed.
    await sql`create function refuse_learner() returns trigger language plpgsql as $$
      begin
        if new.email = 'refused@example.com' then raise exception 'refused by the test'; end if;
        return new;
      end $$`.execute(t.db);
    await sql`create trigger refuse_learner before insert on learners for each row execute function refuse_learner()`.execute(t.db);
    const lines = ['name,email'];
    for (let i = 0; i < 1_200; i++) lines.push(`${koreanName(i)},${i === 700 ? 'refused' : `chunked${i}`}@example.com`);
    const stored = () =>
      t.db
        .selectFrom('credentials')
        .select(['idempotency_key', 'status_list_id', 'status_index'])
        .where('idempotency_key', 'like', 'chunked-cohort:%')
        .execute();

    const failed = await csv(lines.join('\n'), { 'idempotency-key': 'chunked-cohort' });
    expect(failed.statusCode, failed.body.slice(0, 300)).toBeGreaterThanOrEqual(500);
    expect(failed.headers['content-type']).toMatch(/application\/problem\+json/);
    const kept = await stored();
    expect(kept.map((r) => Number(r.idempotency_key!.split(':')[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    // The answer says which rows were issued, by row and id, so that they are not issued twice.
    const incomplete = failed.json();
    expect(incomplete).toMatchObject({
      type: 'https://ieum.dev/problems/batch-incomplete',
      status: 500,
      total: 1_200,
      issued: 500,
      replayed: 0,
      failed: 0,
      notIssued: 700,
    });
    expect(incomplete.detail).toMatch(/500 of 1200 rows were issued .*same Idempotency-Key/);
    expect(incomplete.results.map((r: any) => r.index)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(incomplete.results[0]).toMatchObject({ line: 2, url: `${PUBLIC}/c/${incomplete.results[0].id}` });
    const keptIds = await t.db.selectFrom('credentials').select('id').where('idempotency_key', 'like', 'chunked-cohort:%').execute();
    expect(new Set(incomplete.results.map((r: any) => r.id))).toEqual(new Set(keptIds.map((r) => r.id)));

    await sql`drop trigger refuse_learner on learners`.execute(t.db);
    await sql`drop function refuse_learner()`.execute(t.db);
    const retried = await csv(lines.join('\n'), { 'idempotency-key': 'chunked-cohort' });
    expect(retried.statusCode, retried.body.slice(0, 300)).toBe(200);
    expect(retried.json()).toMatchObject({ total: 1_200, issued: 700, replayed: 500, failed: 0 });
    const all = await stored();
    expect(all).toHaveLength(1_200);
    expect(new Set(all.map((r) => `${r.status_list_id}#${r.status_index}`)).size).toBe(1_200);
  });

  it('keeps whole chunks when signing fails mid-cohort, writes nothing of the rest, and answers problem+json', async () => {
    // Its own app: the signing workers are stopped while the cohort runs, as a shutdown or a
    // crashed pool would stop them, so the chunk being signed fails (not a database refusal).
    const own = await buildTestApp();
    try {
      const who = await createIssuer(own.app, { slug: 'sign-fail' });
      const achievement = (await createAchievement(own.app, who)).id;
      const { id: issuerId } = await own.db.selectFrom('issuers').select('id').where('slug', '=', who.slug).executeTakeFirstOrThrow();
      const lines = ['name,email'];
      for (let i = 0; i < 3_000; i++) lines.push(`${koreanName(i)},signfail${i}@example.com`);
      const written = () => own.db.selectFrom('credentials').select(['idempotency_key', 'learner_id']).where('issuer_id', '=', issuerId).execute();
      const answer = own.app.inject({
        method: 'POST',
        url: `/v1/credentials/batch?achievementId=${achievement}`,
        headers: { ...who.headers, 'content-type': 'text/csv', 'idempotency-key': 'signfail' },
        payload: lines.join('\n'),
      });
      let finished = false;
      void answer.finally(() => (finished = true));
      // The signer stops once the first chunk is stored, with the rest of the cohort still to sign.
      await waitUntil('the first chunk stored', async () => finished || (await written()).length > 0, { tries: 5000, pauseMs: 5 });
      expect(finished, 'the cohort ended before any chunk was seen stored').toBe(false);
      await (own.app as unknown as { services: { signer: { close(): Promise<void> } } }).services.signer.close();
      const res = await answer;
      expect(res.statusCode, res.body.slice(0, 300)).toBeGreaterThanOrEqual(500);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);

      const rows = await written();
      expect(rows.length % 500, `${rows.length} rows written`).toBe(0);
      expect(res.json()).toMatchObject({ type: 'https://ieum.dev/problems/batch-incomplete', issued: rows.length, notIssued: 3_000 - rows.length });
      expect(res.json().results).toHaveLength(rows.length);
      expect(rows.length).toBeGreaterThanOrEqual(500);
      expect(rows.length).toBeLessThan(3_000);
      // The first chunks, whole and in order; each row with its learner and its audit event.
      expect(rows.map((r) => Number(r.idempotency_key!.split(':')[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: rows.length }, (_, i) => i));
      const learners = await own.db.selectFrom('learners').select('id').where('issuer_id', '=', issuerId).execute();
      expect(new Set(learners.map((l) => l.id))).toEqual(new Set(rows.map((r) => r.learner_id)));
      const audited = await own.db
        .selectFrom('audit_events')
        .select('subject')
        .where('issuer_id', '=', issuerId)
        .where('action', '=', 'credential.issued')
        .execute();
      expect(audited).toHaveLength(rows.length);
    } finally {
      await own.close();
    }
  }, 120_000);

  it('turns a 10,000-row file into 10,000 verifiable credentials with distinct status indexes', async () => {
    const lines = ['name,email,creditsEarned'];
    for (let i = 0; i < 10_000; i++) lines.push(`${koreanName(i)},big${i}@example.com,450`);
    const before = await countCredentials(t.db);
    const res = await csv(lines.join('\n'), { 'idempotency-key': 'big-cohort' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 10_000, issued: 10_000, failed: 0 });
    expect(await countCredentials(t.db)).toBe(before + 10_000);
    const rows = await t.db
      .selectFrom('credentials')
      .select(['status_list_id', 'status_index', 'document'])
      .where('idempotency_key', 'like', 'big-cohort:%')
      .execute();
    expect(rows).toHaveLength(10_000);
    expect(new Set(rows.map((r) => `${r.status_list_id}#${r.status_index}`)).size).toBe(10_000);
    for (const row of rows) expect(ob3SchemaErrors(row.document)).toEqual([]);
    for (const index of [0, 1234, 5000, 9999]) {
      expect((await verifyWithLibrary(t.app, PUBLIC, rows[index]!.document)).verified).toBe(true);
    }
  }, 300_000);
});
