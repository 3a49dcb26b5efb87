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
import { waitUntil } from '../helpers/wait.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ieum-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys'), ADMIN_TOKEN, DATABASE_URL: '' };
const items = Array.from({ length: 2000 }, (_, i) => ({ recipient: { name: `수강생${i}`, email: `s${i}@example.com` } }));

async function jsonAt(base: string, method: string, url: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return res.json() as Promise<any>;
}

/**
 * Work is in flight once the cohort's first chunk is stored: its first learner has a credential
 * (asked through the API, as the embedded database is the service's alone). The rest is still to do.
 */
async function firstChunkStored(base: string, token: string, email: string): Promise<void> {
  await waitUntil(`a credential for ${email}`, async () => {
    const res = await fetch(`${base}/v1/credentials?learner=${encodeURIComponent(email)}&limit=1`, { headers: { authorization: `Bearer ${token}` } });
    return res.ok && ((await res.json()) as { items: unknown[] }).items.length > 0;
  });
}

/** An institution of its own for each test, and an achievement to award: its API key and the achievement's id. */
async function institution(base: string, slug: string): Promise<{ token: string; achievementId: string }> {
  const issuer = await jsonAt(base, 'POST', '/v1/issuers', ADMIN_TOKEN, { slug, name: '종료 시험', url: 'https://x.example', email: 'x@example.com' });
  const token = issuer.apiKey.token as string;
  const achievement = await jsonAt(base, 'POST', '/v1/achievements', token, { kind: 'course', name: '과정', description: 'd', criteria: { narrative: 'n' } });
  return { token, achievementId: achievement.id };
}

describe('SIGTERM', () => {
  it('finishes the request in flight, tells its keep-alive client to close, then exits 0', async () => {
    const service = await startService(env);
    const { token, achievementId } = await institution(service.url, 'shutdown');
    const inFlight = fetch(`${service.url}/v1/credentials/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ achievementId, items }),
    });
    await firstChunkStored(service.url, token, items[0]!.recipient.email);
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
    const { token, achievementId } = await institution(service.url, 'shutdown-gone');
    const cohort = { achievementId, items: items.map((item, i) => ({ recipient: { ...item.recipient, email: `gone${i}@example.com` } })) };
    const giveUp = new AbortController();
    const abandoned = fetch(`${service.url}/v1/credentials/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'abandoned-cohort' },
      body: JSON.stringify(cohort),
      signal: giveUp.signal,
    }).catch(() => 'gave up');
    await firstChunkStored(service.url, token, cohort.items[0]!.recipient.email);
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
