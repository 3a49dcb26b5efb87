/**
 * GET /v1/backup: the operator's backup from the running service (how `ieum backup` reads the
 * embedded database the service holds). Only the operator; the bytes are a whole, checked file; a
 * cohort being written meanwhile is in it by whole chunks (one statement each), never half of one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBackupFile } from '../../src/ops/backup-file.js';
import { ADMIN_TOKEN, buildTestApp, countCredentials, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;
let work: string;

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer)).id;
  await issueCredential(t.app, issuer, achievementId);
  work = mkdtempSync(path.join(tmpdir(), 'ieum-backup-route-'));
});
afterAll(async () => {
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

async function backupFile(name: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: '/v1/backup', headers: admin });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  expect(res.headers['content-type']).toBe('application/gzip');
  const file = path.join(work, name);
  writeFileSync(file, res.rawPayload);
  return file;
}

describe('GET /v1/backup', () => {
  it.each([
    ['no token', {}, 401],
    ["an institution's API key", () => issuer.headers, 403],
    ['a wrong operator token', { authorization: `Bearer ${ADMIN_TOKEN}-not` }, 401],
  ])('%s: %s', async (_name, headers, status) => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/backup', headers: typeof headers === 'function' ? headers() : headers });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('sends a whole, checksummed file with the counts of this database', async () => {
    const checked = await checkBackupFile(await backupFile('one.ieum'));
    expect(checked.header).toMatchObject({ format: 'ieum-backup', kind: 'backup', institutions: { [issuer.slug]: 1 } });
    expect(checked.header.counts.credentials).toBe(await countCredentials(t.db));
  });

  it('a cohort written meanwhile is in it by whole chunks of 500', async () => {
    const base = await countCredentials(t.db);
    const items = Array.from({ length: 1000 }, (_, i) => ({ recipient: { name: `수강생 ${i}`, email: `cohort${i}@example.com` } }));
    const cohort = t.app.inject({ method: 'POST', url: '/v1/credentials/batch', headers: issuer.headers, payload: { achievementId, items } });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 300 * i));
      seen.push((await checkBackupFile(await backupFile(`during-${i}.ieum`))).header.counts.credentials! - base);
    }
    expect((await cohort).statusCode).toBeLessThan(300);
    for (const n of seen) expect([0, 500, 1000]).toContain(n);
  }, 180_000);

  it('a reader that goes away mid-file costs nothing: the snapshot is let go, the service goes on', async () => {
    // Over a real socket: the reader vanishes while rows are still being read from the snapshot.
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (let i = 0; i < 12; i++) {
      const abort = new AbortController();
      const res = await fetch(`${base}/v1/backup`, { headers: admin, signal: abort.signal });
      const reader = res.body!.getReader();
      for (let k = 0; k < i % 4; k++) await reader.read();
      abort.abort();
      await new Promise((r) => setTimeout(r, (i % 3) * 5));
    }
    // The database is free again: a write goes through, and a whole backup still comes.
    await issueCredential(t.app, issuer, achievementId);
    const checked = await checkBackupFile(await backupFile('after-readers-left.ieum'));
    expect(checked.header.counts.credentials).toBe(await countCredentials(t.db));
  }, 120_000);
});
