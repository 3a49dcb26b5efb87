/**
 * Property-based fuzzing of every route: 10,000 hostile requests (random JSON, valid bodies with one
 * field broken, prototype-pollution keys, huge and deep values, wrong content types, invalid UTF-8),
 * authenticated as the operator, an institution, or no one. Never a 5xx; a rejected request never
 * writes a row.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
let issuer: TestIssuer;
let ids: { achievement: string; hoursAchievement: string; credential: string; learner: string; session: string; list: string };

beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0' } });
  issuer = await createIssuer(t.app);
  const achievement = await createAchievement(t.app, issuer);
  const hoursAchievement = await createAchievement(t.app, issuer, { kind: 'training_hours', requiredHours: 60 });
  const credential = await issueCredential(t.app, issuer, achievement.id);
  const hours = (await t.app.inject({ method: 'POST', url: '/v1/training-hours', headers: issuer.headers, payload: { achievementId: hoursAchievement.id, learner: { name: '이지현', email: 'fuzz@example.com' }, hours: 2, activity: 'x', date: '2026-01-02' } })).json();
  ids = {
    achievement: achievement.id,
    hoursAchievement: hoursAchievement.id,
    credential: credential.id,
    learner: hours.learnerId,
    session: hours.session.id,
    list: credential.credential.credentialStatus.statusListCredential.split('/').pop(),
  };
});
afterAll(() => t.close());

/** Every row in every table, and every status index handed out: a rejected request must leave this unchanged. */
async function rowCount(): Promise<number> {
  const tables = ['issuers', 'signing_keys', 'api_keys', 'achievements', 'learners', 'credentials', 'status_lists', 'training_hours', 'hours_awards', 'known_issuers', 'known_status_lists', 'audit_events'];
  const counts = [...tables.map((table) => `(select count(*) from ${table})`), '(select coalesce(sum(allocated), 0) from status_lists)'];
  const { rows } = await sql<{ n: number }>`select ${sql.raw(counts.join(' + '))} as n`.execute(t.db);
  return Number(rows[0]!.n);
}

type Route = { method: 'GET' | 'POST' | 'DELETE'; url: () => string; body?: () => Record<string, unknown> };
const routes: Route[] = [
  { method: 'POST', url: () => '/v1/issuers', body: () => ({ slug: 'fuzz-x', name: 'n', url: 'https://x.org', email: 'a@x.org' }) },
  { method: 'POST', url: () => `/v1/issuers/${issuer.slug}/api-keys`, body: () => ({ label: 'l' }) },
  { method: 'DELETE', url: () => `/v1/issuers/${issuer.slug}/api-keys/00000000-0000-4000-8000-000000000000` },
  { method: 'POST', url: () => `/v1/issuers/${issuer.slug}/keys/rotate` },
  { method: 'POST', url: () => '/v1/achievements', body: () => ({ kind: 'course', name: 'n', description: 'd', criteria: { narrative: 'n' } }) },
  { method: 'GET', url: () => `/v1/achievements/${ids.achievement}` },
  { method: 'POST', url: () => '/v1/credentials', body: () => ({ achievementId: ids.achievement, recipient: { name: 'a', email: 'a@example.com' } }) },
  { method: 'POST', url: () => '/v1/credentials/batch', body: () => ({ achievementId: ids.achievement, items: [{ recipient: { name: 'a', email: 'b@example.com' } }] }) },
  { method: 'GET', url: () => '/v1/credentials?limit=5' },
  { method: 'GET', url: () => `/v1/credentials/${ids.credential}` },
  { method: 'POST', url: () => `/v1/credentials/${ids.credential}/suspend`, body: () => ({ reason: 'r' }) },
  { method: 'POST', url: () => `/v1/credentials/${ids.credential}/unsuspend`, body: () => ({}) },
  { method: 'POST', url: () => '/v1/training-hours', body: () => ({ achievementId: ids.hoursAchievement, learner: { name: 'a', email: 'c@example.com' }, hours: 1, activity: 'a', date: '2026-02-03' }) },
  { method: 'POST', url: () => `/v1/training-hours/${ids.session}/void`, body: () => ({ reason: 'r' }) },
  { method: 'GET', url: () => `/v1/learners/${ids.learner}` },
  { method: 'GET', url: () => `/v1/learners/${ids.learner}/hours` },
  { method: 'POST', url: () => `/v1/learners/${ids.learner}/clr`, body: () => ({}) },
  { method: 'POST', url: () => '/v1/verify', body: () => ({ jwt: 'a.b.c' }) },
  { method: 'POST', url: () => '/v1/known-issuers', body: () => ({ id: 'https://x.org/i', name: 'n', verificationMethods: [{ id: 'https://x.org/i#k', type: 'Multikey', publicKeyMultibase: 'z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi' }] }) },
  { method: 'POST', url: () => '/v1/known-status-lists', body: () => ({ credential: { type: ['BitstringStatusListCredential'], id: 'https://x.org/l' } }) },
  { method: 'GET', url: () => '/v1/audit?limit=3' },
  { method: 'POST', url: () => '/credentials/issue', body: () => ({ credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: issuer.did, credentialSubject: { name: 'x' } } }) },
  { method: 'POST', url: () => '/credentials/verify', body: () => ({ verifiableCredential: {} }) },
  { method: 'POST', url: () => '/credentials/status', body: () => ({ credentialId: ids.credential, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'suspended' }] }) },
  { method: 'GET', url: () => `/c/${ids.credential}` },
  { method: 'GET', url: () => `/status/${ids.list}` },
  { method: 'GET', url: () => `/issuers/${issuer.slug}/did.json` },
];

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 50 }),
  fc.constantFrom('', '__proto__', 'constructor', '<script>alert(1)</script>', 'javascript:alert(1)', '../../etc/passwd', 'x'.repeat(5000), '\u0000', '😀', '김'.repeat(300), -1, 1e308, Number.MAX_SAFE_INTEGER, true, null, [], {}),
  fc.constant({ __proto__: { polluted: true } }),
);

/** A valid body with one field replaced, removed, or a key added. */
function breakBody(body: Record<string, unknown>, pick: number, value: unknown, mode: number): unknown {
  const copy: Record<string, unknown> = structuredClone(body);
  const keys = Object.keys(copy);
  const key = keys.length ? keys[pick % keys.length]! : 'x';
  if (mode === 0) copy[key] = value;
  else if (mode === 1) delete copy[key];
  else copy[['__proto__', 'constructor', 'extra', 'prototype'][pick % 4]!] = value;
  return copy;
}

describe('every route under fuzzing', () => {
  it('never answers 5xx, and a rejected request writes nothing', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.nat(routes.length - 1),
        fc.constantFrom('admin', 'issuer', 'none', 'bad'),
        fc.nat(),
        hostileValue,
        fc.nat(3),
        fc.constantFrom('application/json', 'application/json', 'application/json', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded', 'application/vc+jwt', 'image/png'),
        async (routeIndex, who, pick, value, mode, contentType) => {
          const route = routes[routeIndex]!;
          const headers: Record<string, string> = who === 'admin' ? { ...admin } : who === 'issuer' ? { ...issuer.headers } : who === 'bad' ? { authorization: 'Bearer ieum_nope' } : {};
          let payload: string | Buffer | undefined;
          if (route.method !== 'GET') {
            const body = mode === 3 ? value : breakBody(route.body?.() ?? {}, pick, value, mode);
            payload = JSON.stringify(body) ?? 'null';
            if (pick % 17 === 0) payload = Buffer.concat([Buffer.from(payload.slice(0, 5)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(payload.slice(5))]);
            headers['content-type'] = contentType;
          }
          const before = await rowCount();
          const res = await t.app.inject({ method: route.method, url: route.url(), headers, ...(payload !== undefined ? { payload } : {}) });
          if (res.statusCode >= 500) failures.push(`${route.method} ${route.url()} → ${res.statusCode} ${res.body.slice(0, 200)}`);
          if (res.statusCode >= 400 && (await rowCount()) !== before) failures.push(`${route.method} ${route.url()} → ${res.statusCode} but wrote rows`);
          expect(failures).toEqual([]);
          const inherited: string[] = [];
          for (const key in {}) inherited.push(key);
          expect(inherited).toEqual([]);
        },
      ),
      { numRuns: 10_000 },
    );
  }, 600_000);
});
