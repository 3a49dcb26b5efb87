import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, bearer, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let credential: Awaited<ReturnType<typeof issueCredential>>;

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '20', AUTH_FAILURES_PER_MINUTE: '5' } });
  issuer = await createIssuer(t.app);
  const achievement = await createAchievement(t.app, issuer);
  credential = await issueCredential(t.app, issuer, achievement.id);
});
afterAll(() => t.close());

describe('rate limits', () => {
  it('answers 429 with Retry-After on the public verify route past the limit', async () => {
    const statuses: number[] = [];
    let limited: { headers: Record<string, unknown> } | undefined;
    for (let i = 0; i < 25; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { jwt: credential.jwt }, remoteAddress: '203.0.113.7' });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) limited = res;
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(limited!.headers['retry-after']).toBeTruthy();
    expect(limited!.headers['content-type']).toMatch(/problem\+json/);
    // Another address is not affected.
    expect((await t.app.inject({ method: 'POST', url: '/v1/verify', payload: { jwt: credential.jwt }, remoteAddress: '203.0.113.8' })).statusCode).toBe(200);
  });

  it('limits the public page too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await t.app.inject({ method: 'GET', url: `/c/${credential.id}`, remoteAddress: '198.51.100.1' })).statusCode);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });

  it('answers 429 after repeated failed authentications, even with a right token then', async () => {
    const address = '192.0.2.44';
    for (let i = 0; i < 5; i++) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/credentials', headers: bearer('ieum_guess' + i), remoteAddress: address })).statusCode).toBe(401);
    }
    const blocked = await t.app.inject({ method: 'GET', url: '/v1/credentials', headers: issuer.headers, remoteAddress: address });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeTruthy();
    expect((await t.app.inject({ method: 'GET', url: '/v1/credentials', headers: issuer.headers, remoteAddress: '192.0.2.45' })).statusCode).toBe(200);
  });
});

describe('the audit trail', () => {
  it('shows an institution who issued, revoked, suspended and rotated, from which key — and only its own', async () => {
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/suspend`, headers: issuer.headers, payload: { reason: '확인 중' } });
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/unsuspend`, headers: issuer.headers, payload: {} });
    await t.app.inject({ method: 'POST', url: `/v1/credentials/${credential.id}/revoke`, headers: issuer.headers, payload: { reason: '오발급' } });
    await t.app.inject({ method: 'POST', url: `/v1/issuers/${issuer.slug}/keys/rotate`, headers: admin });
    await t.app.inject({ method: 'POST', url: `/v1/issuers/${issuer.slug}/api-keys`, headers: admin, payload: {} });
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit', headers: issuer.headers });
    expect(res.statusCode).toBe(200);
    const actions = res.json().items.map((e: any) => e.action);
    for (const action of [
      'issuer.created',
      'api-key.created',
      'credential.issued',
      'credential.suspended',
      'credential.unsuspended',
      'credential.revoked',
      'keys.rotated',
    ]) {
      expect(actions).toContain(action);
    }
    const revoked = res.json().items.find((e: any) => e.action === 'credential.revoked');
    expect(revoked).toMatchObject({ actor: `api-key:${issuer.apiKeyId}`, subject: credential.id, details: { reason: '오발급' } });
    expect(res.json().items.find((e: any) => e.action === 'keys.rotated').actor).toBe('admin');
    const other = await createIssuer(t.app);
    const theirs = (await t.app.inject({ method: 'GET', url: '/v1/audit', headers: other.headers })).json().items;
    expect(theirs.every((e: any) => e.subject !== credential.id)).toBe(true);
    const page = (await t.app.inject({ method: 'GET', url: '/v1/audit?limit=2', headers: issuer.headers })).json();
    expect(page.items).toHaveLength(2);
    const next = (await t.app.inject({ method: 'GET', url: `/v1/audit?limit=2&before=${page.nextBefore}`, headers: issuer.headers })).json();
    expect(Number(next.items[0].id)).toBeLessThan(Number(page.items[1].id) + 1);
  });
});
