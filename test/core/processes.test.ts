/**
 * Promises that only separate processes can break: two instances on one PostgreSQL never hand out
 * one status index twice nor award hours twice; a kill -9 in the middle of a batch loses nothing
 * that was committed, duplicates nothing, and a retry with the same Idempotency-Key completes it.
 * A second service on one embedded database is refused with one line, and the first goes on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN_TOKEN, onPostgres } from '../helpers/app.js';
import { callService as call, createScratchDatabase, startService, startServiceExpectingExit, type ServiceProcess } from '../helpers/process.js';
import { waitUntil } from '../helpers/wait.js';

const KEK = randomBytes(32).toString('hex');

/** Runs `count` jobs with at most `width` at once. */
async function pooled<T>(count: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i);
      }
    }),
  );
  return results;
}

describe.skipIf(!onPostgres())('several service processes on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let client: pg.Client;
  let token: string;
  let publicUrl: string;

  beforeAll(async () => {
    database = await createScratchDatabase();
    publicUrl = 'https://badges.example.kr';
    const env = { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: KEK, ADMIN_TOKEN, PUBLIC_URL: publicUrl };
    // Both start (and migrate) at once: the migrator's lock lets one migrate.
    [a, b] = await Promise.all([startService(env), startService(env)]);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const issuer = await call(a.url, 'POST', '/v1/issuers', ADMIN_TOKEN, {
      slug: 'two-process',
      name: '동시성 시험기관',
      url: 'https://x.example',
      email: 'x@example.com',
    });
    expect(issuer.status).toBe(201);
    token = issuer.body.apiKey.token;
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  }, 60_000);

  it('issues 1,000 credentials concurrently through two processes: 1,000 rows, 1,000 distinct indexes', async () => {
    const achievement = await call(b.url, 'POST', '/v1/achievements', token, {
      kind: 'course',
      name: '동시 발급 과정',
      description: 'd',
      criteria: { narrative: 'n' },
    });
    const answers = await pooled(1000, 32, (i) =>
      call(i % 2 === 0 ? a.url : b.url, 'POST', '/v1/credentials', token, {
        achievementId: achievement.body.id,
        recipient: { name: `학습자 ${i}`, email: `p${i}@example.com` },
      }),
    );
    expect(answers.filter((r) => r.status !== 201).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    const rows = await client.query(
      'select count(*)::int as n, count(distinct (status_list_id, status_index))::int as slots from credentials where achievement_id = $1',
      [achievement.body.id],
    );
    expect(rows.rows[0]).toEqual({ n: 1000, slots: 1000 });
  }, 180_000);

  it('awards hours once when both processes cross the threshold at the same moment', async () => {
    const achievement = await call(a.url, 'POST', '/v1/achievements', token, {
      kind: 'training_hours',
      name: '연간 직무교육',
      description: 'd',
      criteria: { narrative: 'n' },
      requiredHours: 60,
    });
    for (let round = 0; round < 5; round++) {
      const learner = { name: '이지현', email: `race${round}@example.com` };
      const session = (date: string) => ({ achievementId: achievement.body.id, learner, hours: 20, activity: '교육', date });
      await call(a.url, 'POST', '/v1/training-hours', token, session('2026-03-01'));
      await call(b.url, 'POST', '/v1/training-hours', token, session('2026-03-02'));
      const both = await Promise.all([
        call(a.url, 'POST', '/v1/training-hours', token, session('2026-03-03')),
        call(b.url, 'POST', '/v1/training-hours', token, session('2026-03-04')),
      ]);
      expect(both.map((r) => r.status)).toEqual([201, 201]);
      expect(both.filter((r) => r.body.credential?.issuedNow)).toHaveLength(1);
    }
    const awards = await client.query('select count(*)::int as n from credentials where achievement_id = $1', [achievement.body.id]);
    expect(awards.rows[0].n).toBe(5);
  }, 120_000);

  it('loses nothing and duplicates nothing when killed -9 in the middle of a 5,000-row batch', async () => {
    const achievement = await call(a.url, 'POST', '/v1/achievements', token, {
      kind: 'course',
      name: '중단 시험 과정',
      description: 'd',
      criteria: { narrative: 'n' },
    });
    const lines = ['name,email'];
    for (let i = 0; i < 5000; i++) lines.push(`수강생${i},crash${i}@example.com`);
    const csv = lines.join('\n');
    const key = 'crash-cohort-1';
    const inFlight = call(a.url, 'POST', `/v1/credentials/batch?achievementId=${achievement.body.id}`, token, csv, {
      'content-type': 'text/csv',
      'idempotency-key': key,
    }).catch((error) => ({ status: 0, body: String(error) }));
    const count = async () =>
      (await client.query('select count(*)::int as n from credentials where achievement_id = $1', [achievement.body.id])).rows[0].n as number;
    await waitUntil('the first chunk of 500 rows stored', async () => (await count()) >= 500, { tries: 600, pauseMs: 50 });
    await a.kill();
    expect((await inFlight).status).toBe(0);
    // A statement the killed process had already sent still runs to its end on the server: count
    // only once no other session of this database is busy.
    const busy = async () =>
      (await client.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'"))
        .rows[0].n as number;
    await waitUntil('no other session of this database busy', async () => (await busy()) === 0, { tries: 600, pauseMs: 50 });
    const survived = await count();
    expect(survived).toBeGreaterThan(0);
    expect(survived).toBeLessThan(5000);
    // What was committed is whole: every row has its document, JWT and a unique slot.
    const check = await client.query(
      'select count(distinct idempotency_key)::int as keys, count(distinct (status_list_id, status_index))::int as slots from credentials where achievement_id = $1',
      [achievement.body.id],
    );
    expect(check.rows[0]).toEqual({ keys: survived, slots: survived });

    a = await startService({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: KEK, ADMIN_TOKEN, PUBLIC_URL: publicUrl });
    const sample = await client.query('select document from credentials where achievement_id = $1 order by random() limit 10', [achievement.body.id]);
    for (const row of sample.rows) {
      const verdict = await call(a.url, 'POST', '/v1/verify', token, { credential: row.document });
      expect(verdict.body.verified).toBe(true);
    }
    const retry = await call(a.url, 'POST', `/v1/credentials/batch?achievementId=${achievement.body.id}`, token, csv, {
      'content-type': 'text/csv',
      'idempotency-key': key,
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ total: 5000, failed: 0, replayed: survived, issued: 5000 - survived });
    expect(await count()).toBe(5000);
  }, 300_000);
});

describe.skipIf(onPostgres())('two services on one embedded database', () => {
  it('refuses the second with one line naming the first, and leaves the first its lock', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ieum-two-'));
    const env = { DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys'), KEY_ENCRYPTION_KEY: KEK, ADMIN_TOKEN };
    const first = await startService(env);
    try {
      const second = await startServiceExpectingExit(env);
      expect(second.code).toBe(1);
      expect(second.output.trim()).toMatch(new RegExp(`^ieum: failed to start: the embedded database in .* is in use by process ${first.child.pid} `));
      expect(second.output.trim().split('\n')).toHaveLength(1);
      expect(readFileSync(path.join(dir, 'data', 'pglite.lock'), 'utf8').trim()).toBe(String(first.child.pid));
      expect((await fetch(`${first.url}/health`)).status).toBe(200);
    } finally {
      await first.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
