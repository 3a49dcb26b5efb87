/**
 * The service as `npm start` runs it: compiled ahead of time (bin/build.mjs) and run by plain
 * node, its signing workers and database thread loading the compiled JavaScript and its files
 * (contexts, assets, OB validators) found beside the build. Built into a directory of its own under
 * .tmp/, so dist/ is left to whoever uses it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, onPostgres } from '../helpers/app.js';
import { createScratchDatabase, startService, type ServiceProcess } from '../helpers/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outdir = path.join(root, '.tmp', `build-${randomBytes(5).toString('hex')}`);

async function call(base: string, method: string, route: string, token: string | null, body?: unknown) {
  const res = await fetch(base + route, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

describe('the built service (node on the compiled JavaScript)', () => {
  let service: ServiceProcess;
  let dataDir: string;
  let database: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;

  beforeAll(async () => {
    // Bounded: the build takes well under a second; 60 s is for a machine under load.
    const build = spawnSync(process.execPath, ['bin/build.mjs', '--outdir', outdir], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    if (build.status !== 0) throw new Error(`the build failed (${build.status ?? build.signal}): ${build.stderr}`);
    dataDir = mkdtempSync(path.join(tmpdir(), 'ieum-built-'));
    if (onPostgres()) database = await createScratchDatabase();
    service = await startService(
      {
        ADMIN_TOKEN,
        KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        ...(database ? { DATABASE_URL: database.url } : { DATABASE_URL: '', DATA_DIR: path.join(dataDir, 'data') }),
      },
      { script: path.join(outdir, 'src/main.js') },
    );
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  }, 60_000);

  it('answers /health, issues a credential signed on the workers and verifies it', async () => {
    expect((await call(service.url, 'GET', '/health', null)).status).toBe(200);
    const issuer = await call(service.url, 'POST', '/v1/issuers', ADMIN_TOKEN, {
      slug: 'built-service',
      name: '빌드 시험기관',
      url: 'https://built.example',
      email: 'badges@built.example',
    });
    expect(issuer.status).toBe(201);
    const token = issuer.body.apiKey.token as string;
    const achievement = await call(service.url, 'POST', '/v1/achievements', token, {
      kind: 'course',
      name: '빌드 확인 과정',
      description: '컴파일된 서비스로 발급',
      criteria: { narrative: '통과' },
    });
    expect(achievement.status).toBe(201);
    const issued = await call(service.url, 'POST', '/v1/credentials', token, {
      achievementId: achievement.body.id,
      recipient: { name: '김민지', email: 'minji@example.com' },
    });
    expect(issued.status).toBe(201);
    const id = issued.body.id as string;

    const credential = await (await fetch(`${service.url}/c/${id}/credential.json`)).json();
    expect(credential.proof[0].cryptosuite).toBe('eddsa-rdfc-2022');
    const jwt = await (await fetch(`${service.url}/c/${id}/credential.jwt`)).text();
    for (const body of [{ credential }, { jwt }]) {
      const verdict = await call(service.url, 'POST', '/v1/verify', null, body);
      expect(verdict.status).toBe(200);
      expect(verdict.body.state).toBe('verified');
    }
    // The page and its assets, read beside the compiled modules.
    expect((await fetch(`${service.url}/c/${id}`)).status).toBe(200);
    expect((await fetch(`${service.url}/assets/ieum.css`)).status).toBe(200);
  });

  it('runs the compiled CLI: --help without loading the app', () => {
    const help = spawnSync(process.execPath, [path.join(outdir, 'src/cli/main.js'), '--help'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('ieum');
  });
});
