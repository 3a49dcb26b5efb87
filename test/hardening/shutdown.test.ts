/**
 * Graceful shutdown: on SIGTERM the service stops taking new work, finishes what is in flight
 * (here a 2,000-row cohort), even when its client has gone, and exits 0. It runs on the embedded
 * database in a temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { startService } from '../helpers/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ieum-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys'), ADMIN_TOKEN, DATABASE_URL: '' };
const items = Array.from({ length: 2000 }, (_, i) => ({ recipient: { name: `수강생${i}`, email: `s${i}@example.com` } }));

async function jsonAt(base: string, method: string, url: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return res.json() as Promise<any>;
}

describe('SIGTERM', () => {
  let token = '';
  let achievementId = '';

  it('finishes the request in flight, tells its keep-alive client to close, then exits 0', async () => {
    const service = await startService(env);
    const json = (method: string, url: string, token: string, body: unknown) => jsonAt(service.url, method, url, token, body);
    const issuer = await json('POST', '/v1/issuers', ADMIN_TOKEN, { slug: 'shutdown', name: '종료 시험', url: 'https://x.example', email: 'x@example.com' });
    token = issuer.apiKey.token;
    const achievement = await json('POST', '/v1/achievements', token, { kind: 'course', name: '과정', description: 'd', criteria: { narrative: 'n' } });
    achievementId = achievement.id;
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
    // Without it, the client's idle keep-alive connection would hold the closing server open.
    expect(answer.headers.get('connection')).toBe('close');
    expect((await answer.json()).issued).toBe(2000);
    expect(await exited).toBe(0);
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
  }, 240_000);

  it('finishes a request whose client has gone before it closes the database', async () => {
    const service = await startService(env);
    const cohort = { achievementId, items: items.map((item, i) => ({ recipient: { ...item.recipient, email: `gone${i}@example.com` } })) };
    const giveUp = new AbortController();
    const abandoned = fetch(`${service.url}/v1/credentials/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'abandoned-cohort' },
      body: JSON.stringify(cohort),
      signal: giveUp.signal,
    }).catch(() => 'gave up');
    await new Promise((r) => setTimeout(r, 300));
    giveUp.abort();
    expect(await abandoned).toBe('gave up');
    const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
    service.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // The same cohort again, with the same key: every row was stored before the service stopped.
    const again = await startService(env);
    try {
      const retry = await jsonAt(again.url, 'POST', '/v1/credentials/batch', token, cohort, { 'idempotency-key': 'abandoned-cohort' });
      expect({ issued: retry.issued, replayed: retry.replayed, failed: retry.failed }).toEqual({ issued: 0, replayed: 2000, failed: 0 });
    } finally {
      await again.stop();
    }
  }, 240_000);
});
