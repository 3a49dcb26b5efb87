/**
 * The `ieum` CLI end to end: a real listening service (PGlite or PostgreSQL, per vitest project) and
 * the CLI run as a child process against it, as an institution would.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildTestApp, type TestApp, countCredentials } from '../helpers/app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHILD_TIMEOUT_MS = 150_000;

let t: TestApp;
let base: string;
let work: string;
/** The institution created through the CLI. */
let token: string;
let achievementId: string;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Runs the CLI as its own process; never longer than the timeout (then killed, and the test fails). */
function cli(args: string[], options: { token?: string; url?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, IEUM_URL: options.url ?? base };
  for (const name of ['IEUM_TOKEN', 'ADMIN_TOKEN', 'NODE_OPTIONS']) delete env[name];
  if (options.token !== undefined) env.IEUM_TOKEN = options.token;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ieum ${args.join(' ')} ran over ${options.timeoutMs ?? CHILD_TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? CHILD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const readResults = (path: string) => parse(readFileSync(path), { bom: true, columns: true }) as Record<string, string>[];

const SURNAMES = ['김', '이', '박', '최', '정', '강', '조', '윤', '장', '임'];
const GIVEN = ['민지', '서연', '지현', '수빈', '하은', '예린', '지우', '채원', '다은', '유나'];
const koreanName = (i: number) => `${SURNAMES[i % 10]}${GIVEN[Math.floor(i / 10) % 10]}`;

/**
 * A cohort as Excel saves "CSV UTF-8": BOM, CRLF, a quoted name with a comma and a two-line quoted
 * cell, an empty line, one invalid e-mail and one learner twice (in another chunk, another case).
 */
function cohortCsv(rows: number) {
  const lines = ['name,email,narrative'];
  const lineOf: number[] = [];
  let next = 2;
  const push = (record: string) => {
    lines.push(record);
    next += 1 + (record.match(/\r\n/g)?.length ?? 0);
  };
  for (let row = 1; row <= rows; row++) {
    if (row === 601) push('');
    lineOf[row] = next;
    let record = `${koreanName(row)},learner${row}@example.com,`;
    if (row === 7) record = '"이, 서연",learner7@example.com,"1기 수료\r\n최종 프로젝트 우수"';
    if (row === 300) record = `${koreanName(row)},not-an-email,`;
    if (row === 900) record = `${koreanName(row)},LEARNER5@Example.com,`;
    push(record);
  }
  return { text: `\uFEFF${lines.join('\r\n')}\r\n`, lineOf };
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await buildTestApp({ env: { PUBLIC_URL: base } });
  await t.app.listen({ port, host: '127.0.0.1' });
  work = mkdtempSync(join(tmpdir(), 'ieum-cli-'));
});

afterAll(async () => {
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('ieum, the command line', () => {
  it('prints help, and refuses bad usage and an unreachable service with exit code 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['issuer create', 'api-key create', 'achievement create', 'issue', 'hours record', 'revoke']) expect(help.stdout).toContain(command);
    const issueHelp = await cli(['issue', '--help']);
    expect(issueHelp.code).toBe(0);
    expect(issueHelp.stdout).toContain('--chunk N');

    const missing = await cli(['issue', '--csv', 'x.csv'], { token: 'whatever' });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('ieum: --achievement is required; see ieum issue --help');
    expect((await cli(['frobnicate'])).code).toBe(2);

    const closed = await freePort();
    const unreachable = await cli(['revoke', '--credential', '0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10'], {
      token: 'secret-token-not-shown',
      url: `http://127.0.0.1:${closed}`,
    });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toContain('connection refused');
    expect(unreachable.stderr).not.toContain('secret-token-not-shown');
  });

  it('creates an institution with the operator token, and says the API key is shown once', async () => {
    const run = await cli(
      [
        'issuer',
        'create',
        '--slug',
        'seoul-women',
        '--name',
        '서울여성능력개발원',
        '--url',
        'https://women.seoul.example',
        '--email',
        'badges@women.seoul.example',
        '--description',
        '경력단절 여성의 IT 재취업 교육',
      ],
      { token: ADMIN_TOKEN },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`DID:        did:web:127.0.0.1%3A${new URL(base).port}:issuers:seoul-women`);
    expect(run.stdout).toContain('shown only this once');
    expect(run.stdout + run.stderr).not.toContain(ADMIN_TOKEN);
    token = /^API key:\s+(\S+)$/m.exec(run.stdout)![1]!;
    expect(token).toMatch(/^ieum_/);

    const again = await cli(['issuer', 'create', '--slug', 'seoul-women', '--name', 'x', '--url', 'https://x.example', '--email', 'x@example.com'], {
      token: ADMIN_TOKEN,
    });
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/^ieum: .*\[HTTP 409\]$/m);

    const key = await cli(['api-key', 'create', '--slug', 'seoul-women', '--label', 'registrar office'], { token: ADMIN_TOKEN });
    expect(key.code, key.stderr).toBe(0);
    expect(key.stdout).toMatch(/^API key:\s+ieum_\S+$/m);
    // An institution's key cannot act as the operator.
    const refused = await cli(['api-key', 'create', '--slug', 'seoul-women'], { token });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[HTTP 403]');
    expect(refused.stderr).not.toContain(token);
  });

  it('creates an achievement and prints its id', async () => {
    const run = await cli(
      [
        'achievement',
        'create',
        '--kind',
        'course',
        '--name',
        '백엔드 개발자 입문과정',
        '--description',
        'Node.js와 PostgreSQL로 웹 서비스를 만드는 과정',
        '--criteria',
        '출석 80% 이상, 최종 프로젝트 통과',
        '--hours',
        '450',
        '--tag',
        '백엔드',
        '--tag',
        'Node.js',
      ],
      { token },
    );
    expect(run.code, run.stderr).toBe(0);
    achievementId = run.stdout.trim();
    expect(achievementId).toMatch(UUID);
    const stored = await t.app.inject({ method: 'GET', url: `/v1/achievements/${achievementId}`, headers: { authorization: `Bearer ${token}` } });
    expect(stored.json().achievement.tag).toEqual(['백엔드', 'Node.js']);

    const bad = await cli(['achievement', 'create', '--kind', 'course', '--name', 'x', '--description', 'x', '--criteria', 'x', '--hours', 'many'], { token });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('ieum: --hours must be a positive number, not "many"');
  });

  it(
    'issues a cohort of 1,200 in chunks, with one result line per row, and issues nothing twice when run again',
    async () => {
      const { text, lineOf } = cohortCsv(1200);
      const input = join(work, 'cohort.csv');
      writeFileSync(input, text);
      const out = join(work, 'cohort.results.csv');

      const first = await cli(['issue', '--achievement', achievementId, '--csv', input, '--chunk', '500'], { token });
      expect(first.code, first.stderr).toBe(1);
      expect(first.stdout.trim()).toBe(`1200 rows: 1198 issued, 0 replayed (issued before), 2 failed; results in ${out}`);
      expect(first.stdout + first.stderr).not.toContain(token);
      expect(await countCredentials(t.db)).toBe(1198);

      const results = readResults(out);
      expect(results).toHaveLength(1200);
      results.forEach((r, i) => {
        expect(r.row).toBe(String(i + 1));
        expect(r.line).toBe(String(lineOf[i + 1]));
      });
      expect(results[6]).toMatchObject({ name: '이, 서연', email: 'learner7@example.com', error: '' });
      expect(results[299]!.credential_url).toBe('');
      // The column the registrar typed, not the API field it fills (recipient.email).
      expect(results[299]!.error).toMatch(/^column "email" must be an e-mail address/);
      expect(results[899]!.credential_url).toBe('');
      expect(results[899]!.error).toBe(`recipient: the same e-mail as row 5 (line ${lineOf[5]}) of this file`);
      const issued = results.filter((r) => r.error === '');
      expect(issued).toHaveLength(1198);
      for (const r of issued) expect(r.credential_url).toMatch(new RegExp(`^${base}/c/[0-9a-f-]{36}$`));
      expect(new Set(issued.map((r) => r.credential_url)).size).toBe(1198);
      // Each chunk's Idempotency-Key comes from the file's SHA-256, the achievement and the chunk.
      const sha = createHash('sha256').update(text).digest('hex');
      const keyed = await t.db
        .selectFrom('credentials')
        .select('idempotency_key')
        .where('idempotency_key', 'like', `ieum-cli:${sha}:${achievementId}:500:%`)
        .execute();
      expect(keyed).toHaveLength(1198);

      const again = await cli(['issue', '--achievement', achievementId, '--csv', input, '--chunk', '500'], { token });
      expect(again.code, again.stderr).toBe(1);
      expect(again.stdout.trim()).toBe(`1200 rows: 0 issued, 1198 replayed (issued before), 2 failed; results in ${out}`);
      expect(again.stderr).toContain('row 300 (line 302)');
      expect(await countCredentials(t.db)).toBe(1198);
      expect(readResults(out).map((r) => r.credential_url)).toEqual(results.map((r) => r.credential_url));
    },
    2 * CHILD_TIMEOUT_MS + 30_000,
  );

  it('records training hours from a CSV and issues the credential when the total reaches the required hours', async () => {
    const created = await cli(
      [
        'achievement',
        'create',
        '--kind',
        'training_hours',
        '--name',
        '2026 도시재생 코디네이터 직무교육',
        '--description',
        '연간 직무교육 이수시간',
        '--criteria',
        '연 60시간 이상 이수',
        '--required-hours',
        '60',
      ],
      { token },
    );
    expect(created.code, created.stderr).toBe(0);
    const hoursAchievement = created.stdout.trim();
    const input = join(work, 'sessions.csv');
    writeFileSync(
      input,
      [
        'achievementId,name,email,externalId,hours,activity,date',
        `${hoursAchievement},이지현,jihyun.lee@example.com,,20,도시재생 코디네이터 심화과정 1차,2026-04-11`,
        `${hoursAchievement},이지현,jihyun.lee@example.com,,20,"도시재생 코디네이터 심화과정 2차, 현장 답사",2026-05-09`,
        `${hoursAchievement},이지현,jihyun.lee@example.com,,20,도시재생 코디네이터 심화과정 3차,2026-06-13`,
        '',
      ].join('\n'),
    );
    const before = await countCredentials(t.db);
    const run = await cli(['hours', 'record', '--csv', input], { token });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`3 sessions: 3 recorded, 0 failed; 1 credential issued; results in ${join(work, 'sessions.results.csv')}`);
    expect(await countCredentials(t.db)).toBe(before + 1);

    const results = readResults(join(work, 'sessions.results.csv'));
    expect(results.map((r) => r.total_hours)).toEqual(['20', '40', '60']);
    expect(results.map((r) => r.issued_now)).toEqual(['', '', 'yes']);
    expect(results[2]!.credential_url).toMatch(new RegExp(`^${base}/c/[0-9a-f-]{36}$`));
    for (const r of results) expect(r.session_id).toMatch(UUID);
    const id = results[2]!.credential_url!.split('/').pop()!;
    const credential = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${id}`, headers: { authorization: `Bearer ${token}` } })).json();
    expect(credential.credential.credentialSubject.creditsEarned).toBe(60);
  });

  it('revokes a credential given by its URL, and says so in one line when it is already revoked', async () => {
    const url = readResults(join(work, 'cohort.results.csv'))[0]!.credential_url!;
    const id = url.split('/').pop()!;
    const run = await cli(['revoke', '--credential', url, '--reason', '잘못 발급됨'], { token });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Credential ${id}: revoked`);
    const stored = (await t.app.inject({ method: 'GET', url: `/v1/credentials/${id}`, headers: { authorization: `Bearer ${token}` } })).json();
    expect(stored.status).toMatchObject({ state: 'revoked', revocationReason: '잘못 발급됨' });

    const again = await cli(['revoke', '--credential', id], { token });
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('[HTTP 409]');

    const wrongToken = await cli(['revoke', '--credential', id], { token: 'ieum_not-a-real-key' });
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stderr).toContain('[HTTP 401]');
    expect(wrongToken.stderr).not.toContain('ieum_not-a-real-key');
  });
});
