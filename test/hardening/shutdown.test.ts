/**
 * Graceful shutdown: on SIGTERM the service stops taking new work, finishes what is in flight
 * (here a 2,000-row cohort), and exits 0. It runs on the embedded database in a temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { startService } from '../helpers/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ieum-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGTERM', () => {
  it('finishes the request in flight, then exits 0', async () => {
    const service = await startService({ DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys'), ADMIN_TOKEN, DATABASE_URL: '' });
    const json = async (method: string, url: string, token: string, body: unknown) =>
      (await fetch(service.url + url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
    const issuer = await json('POST', '/v1/issuers', ADMIN_TOKEN, { slug: 'shutdown', name: '종료 시험', url: 'https://x.example', email: 'x@example.com' });
    const token = issuer.apiKey.token;
    const achievement = await json('POST', '/v1/achievements', token, { kind: 'course', name: '과정', description: 'd', criteria: { narrative: 'n' } });
    const items = Array.from({ length: 2000 }, (_, i) => ({ recipient: { name: `수강생${i}`, email: `s${i}@example.com` } }));
    const inFlight = fetch(`${service.url}/v1/credentials/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ achievementId: achievement.id, items }),
    });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
    service.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect((await answer.json()).issued).toBe(2000);
    expect(await exited).toBe(0);
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
  }, 240_000);
});
