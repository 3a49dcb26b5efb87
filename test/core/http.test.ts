import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js';
import { admin, bearer, createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';

let t: TestApp;
const logLines: string[] = [];
let issuer: TestIssuer;
let other: TestIssuer;
let achievementId: string;
let credentialId: string;
let revokedToken: string;
const KEK = randomBytes(32);

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  // Many failed authentications from one address on purpose: the limiter has its own test.
  t = await buildTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '0' }, deps: { kek: KEK, logger: { level: 'trace', stream } } });
  issuer = await createIssuer(t.app);
  other = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer)).id;
  credentialId = (await issueCredential(t.app, issuer, achievementId)).id;
  const extra = await t.app.inject({ method: 'POST', url: `/v1/issuers/${issuer.slug}/api-keys`, headers: admin, payload: { label: '퇴사자 키' } });
  expect(extra.statusCode).toBe(201);
  revokedToken = extra.json().token;
  const del = await t.app.inject({ method: 'DELETE', url: `/v1/issuers/${issuer.slug}/api-keys/${extra.json().id}`, headers: admin });
  expect(del.statusCode).toBe(204);
});
afterAll(() => t.close());

const countRows = async (table: 'credentials' | 'learners' | 'issuers' | 'achievements' | 'api_keys' | 'audit_events') =>
  Number(
    (
      await t.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
/** Status indexes handed out, over every list. */
const allocatedIndexes = async () =>
  Number(
    (
      await t.db
        .selectFrom('status_lists')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('allocated'), eb.lit(0)).as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('health and documentation', () => {
  it('answers 200 while the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('publishes a valid OpenAPI document in which every route has an operationId and tags', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    await SwaggerParser.validate(structuredClone(doc));
    const operations = Object.values(doc.paths).flatMap((p: any) => Object.values(p)) as any[];
    expect(operations.length).toBeGreaterThan(10);
    for (const op of operations) {
      expect(op.operationId, JSON.stringify(op).slice(0, 100)).toBeTruthy();
      expect(op.tags?.length).toBeGreaterThan(0);
    }
    // The role each route needs is part of the public contract (OpenAPI 3.1 bearer roles).
    expect(doc.paths['/v1/issuers'].post.security).toEqual([{ bearerAuth: ['operator'] }]);
    expect(doc.paths['/v1/credentials'].post.security).toEqual([{ bearerAuth: ['institution'] }]);
    expect(doc.paths['/v1/issuers/{slug}/keys/rotate'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(JSON.stringify(doc)).toContain('백엔드 개발자 입문과정');
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
  });
});

describe('authorisation', () => {
  type Method = 'GET' | 'POST' | 'DELETE';
  interface Row {
    method: Method;
    url: string;
    payload?: unknown;
    /** Expected status for the operator, the institution itself, and another institution. */
    admin: number[];
    own: number[];
    other: number[];
  }
  const ISSUER_ONLY = { admin: [403] };
  const ADMIN_ONLY = { own: [403], other: [403] };
  let hoursAchievement: string;
  let learnerId: string;
  let sessionId: string;

  beforeAll(async () => {
    hoursAchievement = (await createAchievement(t.app, issuer, { kind: 'training_hours', requiredHours: 100 })).id;
    const recorded = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/training-hours',
        headers: issuer.headers,
        payload: {
          achievementId: hoursAchievement,
          learner: { name: '김민지', email: 'minji.kim@example.com' },
          hours: 3,
          activity: '교육',
          date: '2026-01-05',
        },
      })
    ).json();
    learnerId = recorded.learnerId;
    sessionId = recorded.session.id;
  });

  const table = (): Row[] => [
    { method: 'POST', url: '/v1/issuers', payload: { slug: 'x-new', name: 'n', url: 'https://x.org', email: 'a@x.org' }, admin: [201], ...ADMIN_ONLY },
    { method: 'POST', url: `/v1/issuers/${issuer.slug}/api-keys`, payload: {}, admin: [201], ...ADMIN_ONLY },
    { method: 'DELETE', url: `/v1/issuers/${issuer.slug}/api-keys/00000000-0000-4000-8000-000000000000`, admin: [404], ...ADMIN_ONLY },
    { method: 'POST', url: `/v1/issuers/${issuer.slug}/keys/rotate`, admin: [200], own: [200], other: [403] },
    {
      method: 'POST',
      url: '/v1/known-issuers',
      payload: {
        id: 'https://x.org/i',
        name: 'n',
        verificationMethods: [{ id: 'https://x.org/i#k', type: 'Multikey', publicKeyMultibase: 'z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi' }],
      },
      admin: [201],
      ...ADMIN_ONLY,
    },
    { method: 'GET', url: '/v1/known-issuers', admin: [200], ...ADMIN_ONLY },
    { method: 'GET', url: '/v1/known-status-lists', admin: [200], ...ADMIN_ONLY },
    {
      method: 'POST',
      url: '/v1/achievements',
      payload: { kind: 'course', name: 'n', description: 'd', criteria: { narrative: 'n' } },
      ...ISSUER_ONLY,
      own: [201],
      other: [201],
    },
    { method: 'GET', url: '/v1/achievements', ...ISSUER_ONLY, own: [200], other: [200] },
    { method: 'GET', url: `/v1/achievements/${achievementId}`, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'POST', url: '/v1/credentials', payload: { achievementId, recipient: { name: 'a', email: 'a@b.co' } }, ...ISSUER_ONLY, own: [201], other: [404] },
    {
      method: 'POST',
      url: '/v1/credentials/batch',
      payload: { achievementId, items: [{ recipient: { name: 'a', email: 'batch@b.co' } }] },
      ...ISSUER_ONLY,
      own: [200],
      other: [404],
    },
    { method: 'GET', url: '/v1/credentials', ...ISSUER_ONLY, own: [200], other: [200] },
    { method: 'GET', url: `/v1/credentials/${credentialId}`, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'GET', url: `/v1/credentials/${credentialId}/verify`, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'POST', url: `/v1/credentials/${credentialId}/suspend`, payload: {}, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'POST', url: `/v1/credentials/${credentialId}/unsuspend`, payload: {}, ...ISSUER_ONLY, own: [200], other: [404] },
    {
      method: 'POST',
      url: '/v1/training-hours',
      payload: { achievementId: hoursAchievement, learner: { name: 'a', email: 'h@b.co' }, hours: 1, activity: 'a', date: '2026-01-06' },
      ...ISSUER_ONLY,
      own: [201],
      other: [404],
    },
    { method: 'POST', url: `/v1/training-hours/${sessionId}/void`, payload: { reason: '중복' }, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'GET', url: `/v1/learners/${learnerId}`, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'GET', url: `/v1/learners/${learnerId}/hours`, ...ISSUER_ONLY, own: [200], other: [404] },
    { method: 'POST', url: `/v1/learners/${learnerId}/clr`, payload: {}, ...ISSUER_ONLY, own: [201], other: [404] },
    { method: 'GET', url: '/v1/audit', ...ISSUER_ONLY, own: [200], other: [200] },
    {
      method: 'POST',
      url: '/credentials/issue',
      payload: {
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiableCredential'],
          issuer: issuer.did,
          credentialSubject: { name: 'x' },
        },
      },
      ...ISSUER_ONLY,
      own: [201],
      other: [400],
    },
    {
      method: 'POST',
      url: '/credentials/status',
      payload: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'active' }] },
      ...ISSUER_ONLY,
      own: [409],
      other: [404],
    },
  ];

  it('gives every authenticated route the expected status for every kind of caller', async () => {
    const wrong: string[] = [];
    for (const route of table()) {
      const callers: [string, Record<string, string>, number[]][] = [
        ['no token', {}, [401]],
        ['a bad token', bearer('ieum_not-a-real-token'), [401]],
        ['a revoked API key', bearer(revokedToken), [401]],
        ["another institution's key", other.headers, route.other],
        ['the operator token', admin, route.admin],
        ['its own key', issuer.headers, route.own],
      ];
      for (const [caller, headers, allowed] of callers) {
        const res = await t.app.inject({
          method: route.method,
          url: route.url,
          headers,
          ...(route.payload !== undefined ? { payload: route.payload as object } : {}),
        });
        if (!allowed.includes(res.statusCode)) wrong.push(`${route.method} ${route.url} as ${caller}: ${res.statusCode} ${res.body.slice(0, 120)}`);
        if (res.statusCode >= 400 && !/application\/problem\+json/.test(String(res.headers['content-type']))) {
          wrong.push(`${route.method} ${route.url} as ${caller}: ${res.statusCode} as ${res.headers['content-type']}, not problem+json`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  /** The route's request made invalid: a malformed id in its URL, or a body with an unknown field and a NUL. */
  const invalidRequest = (route: Row) => ({
    url: route.url.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, 'not-a-uuid'),
    invalid: route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: { notAField: 'x\u0000' } },
  });

  it('answers 401, not a validation error, to a stranger whose request is also invalid', async () => {
    // Authentication comes before the body is read or validated: a stranger learns nothing of the
    // route's schema, and no body is parsed for them.
    const wrong: string[] = [];
    for (const route of table()) {
      const { url, invalid } = invalidRequest(route);
      for (const headers of [{}, bearer('ieum_not-a-real-token')]) {
        const res = await t.app.inject({ method: route.method, url, headers, ...invalid });
        if (res.statusCode !== 401) wrong.push(`${route.method} ${url}: ${res.statusCode} ${res.body.slice(0, 100)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 403, not a validation error, to a valid token of the wrong kind whose request is also invalid', async () => {
    // The role a route's OpenAPI security names is checked with the token, before the body is read:
    // an institution's key learns nothing of the operator's routes, nor the operator of theirs.
    const wrong: string[] = [];
    let refused = 0;
    for (const route of table()) {
      const { url, invalid } = invalidRequest(route);
      for (const [caller, headers, expected] of [
        ['the operator token', admin, route.admin],
        ['an institution key', issuer.headers, route.own],
      ] as const) {
        if (expected.join() !== '403') continue;
        refused++;
        const res = await t.app.inject({ method: route.method, url, headers, ...invalid });
        if (res.statusCode !== 403) wrong.push(`${route.method} ${url} as ${caller}: ${res.statusCode} ${res.body.slice(0, 100)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(refused).toBe(table().length - 1);
  });

  it('refuses a key at once when it is revoked right after being used (the instance remembers valid keys)', async () => {
    const created = await t.app.inject({ method: 'POST', url: `/v1/issuers/${issuer.slug}/api-keys`, headers: admin, payload: { label: 'short-lived' } });
    const { id, token } = created.json();
    const list = () => t.app.inject({ method: 'GET', url: '/v1/credentials?limit=1', headers: bearer(token) });
    expect((await list()).statusCode).toBe(200);
    expect((await list()).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/issuers/${issuer.slug}/api-keys/${id}`, headers: admin })).statusCode).toBe(204);
    const after = await list();
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toMatch(/revoked/);
  });

  it("does not let one institution's credential be read, listed or revoked by another", async () => {
    const list = await t.app.inject({ method: 'GET', url: '/v1/credentials', headers: other.headers });
    expect(list.json().items.map((i: { id: string }) => i.id)).not.toContain(credentialId);
    const revoke = await t.app.inject({ method: 'POST', url: `/v1/credentials/${credentialId}/revoke`, headers: other.headers, payload: {} });
    expect(revoke.statusCode).toBe(404);
    const theirAchievement = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: other.headers,
      payload: { achievementId, recipient: { name: 'a', email: 'a@b.co' } },
    });
    expect(theirAchievement.statusCode).toBe(404);
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['a missing recipient', { recipient: undefined }, 400, 'recipient'],
    ['a malformed e-mail', { recipient: { name: '김민지', email: 'not-an-email' } }, 400, 'recipient.email'],
    ['neither e-mail nor DID', { recipient: { name: '김민지' } }, 400, 'recipient'],
    ['an unknown field', { recipient: { name: 'a', email: 'a@b.co' }, colour: 'red' }, 400, 'colour'],
    ['an unknown recipient field', { recipient: { name: 'a', email: 'a@b.co', phone: '010' } }, 400, 'recipient.phone'],
    ['an empty name', { recipient: { name: '', email: 'a@b.co' } }, 400, 'recipient.name'],
    ['a javascript: evidence URL', { recipient: { name: 'a', email: 'a@b.co' }, evidence: [{ url: 'javascript:alert(1)' }] }, 400, 'evidence.0.url'],
    [
      'validUntil before validFrom',
      { recipient: { name: 'a', email: 'a@b.co' }, validFrom: '2026-01-02T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' },
      400,
      'validUntil',
    ],
    [
      'an activity that ends before it starts',
      { recipient: { name: 'a', email: 'a@b.co' }, activityStartDate: '2026-05-01', activityEndDate: '2026-04-01' },
      400,
      'activityEndDate',
    ],
    ['an impossible date', { recipient: { name: 'a', email: 'a@b.co' }, validFrom: '2026-13-45T00:00:00Z' }, 400, 'validFrom'],
    ['a non-uuid achievement id', { achievementId: '42' }, 400, 'achievementId'],
    ['an achievement that does not exist', { achievementId: '00000000-0000-4000-8000-000000000000' }, 404, ''],
  ];

  it.each(cases)('%s (%j) → %i naming the field, and nothing written', async (_what, change, status, field) => {
    const before = await Promise.all([countRows('credentials'), countRows('learners'), allocatedIndexes()]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: issuer.headers,
      payload: { achievementId, recipient: { name: '김민지', email: 'minji@example.com' }, ...change },
    });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String) });
    // A 404 names no field.
    expect(problem.field).toBe(field || undefined);
    const after = await Promise.all([countRows('credentials'), countRows('learners'), allocatedIndexes()]);
    expect(after).toEqual(before);
  });

  it('refuses a 1 MB body with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: { ...issuer.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ achievementId, recipient: { name: 'x'.repeat(1024 * 1024), email: 'a@b.co' } }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().type).toMatch(/payload-too-large$/);
  });

  it('refuses malformed JSON, a wrong content type and prototype-pollution keys with 4xx', async () => {
    const broken = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: { ...issuer.headers, 'content-type': 'application/json' },
      payload: '{"achievementId":',
    });
    expect(broken.statusCode).toBe(400);
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: { ...issuer.headers, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(wrongType.statusCode).toBe(415);
    const proto = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: { ...issuer.headers, 'content-type': 'application/json' },
      payload: `{"achievementId":"${achievementId}","recipient":{"name":"a","email":"a@b.co"},"__proto__":{"admin":true}}`,
    });
    expect(proto.statusCode).toBe(400);
  });

  it('refuses a duplicate slug with 409 and writes nothing', async () => {
    const before = await countRows('issuers');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/issuers',
      headers: admin,
      payload: { slug: issuer.slug, name: 'n', url: 'https://x.org', email: 'a@x.org' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().field).toBe('slug');
    expect(await countRows('issuers')).toBe(before);
  });

  it.each([
    [{ slug: 'Has Spaces', name: 'n', url: 'https://x.org', email: 'a@x.org' }, 'slug'],
    [{ slug: 'ok-slug', name: 'n', url: 'javascript:alert(1)', email: 'a@x.org' }, 'url'],
    [{ slug: 'ok-slug', name: 'n', url: 'https://x.org', email: 'nope' }, 'email'],
    [{ slug: 'ok-slug', url: 'https://x.org', email: 'a@x.org' }, 'name'],
  ])('refuses the institution %o naming %s', async (payload, field) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/issuers', headers: admin, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
  });

  it('refuses a training_hours achievement without requiredHours', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/achievements',
      headers: issuer.headers,
      payload: { kind: 'training_hours', name: '직무교육', description: 'd', criteria: { narrative: 'n' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('requiredHours');
  });

  it('answers an unknown route and an unknown id with problem+json 404', async () => {
    for (const url of [
      '/nope',
      '/issuers/no-such-institution',
      '/achievements/00000000-0000-4000-8000-000000000000',
      '/status/00000000-0000-4000-8000-000000000000',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });
});

describe('public documents', () => {
  it('serves the issuer Profile and the Achievement as JSON-LD', async () => {
    const profile = await t.app.inject({ method: 'GET', url: `/issuers/${issuer.slug}` });
    expect(profile.headers['content-type']).toMatch(/application\/ld\+json/);
    expect(profile.json()).toMatchObject({ id: issuer.did, type: ['Profile'], name: '서울여성능력개발원' });
    const achievement = await t.app.inject({ method: 'GET', url: `/achievements/${achievementId}` });
    expect(achievement.json()).toMatchObject({ type: ['Achievement'], name: '백엔드 개발자 입문과정', creditsAvailable: 450 });
    expect(achievement.json()['@context'][0]).toBe('https://www.w3.org/ns/credentials/v2');
  });
});

describe('secrets', () => {
  it('never returns or logs a private key, an API token, the operator token or the key-encryption key', async () => {
    const sensitive = [ADMIN_TOKEN, issuer.token, other.token, revokedToken, KEK.toString('hex'), KEK.toString('base64'), KEK.toString('base64url')];
    const keyRows = await t.db.selectFrom('signing_keys').select('private_key_sealed').execute();
    expect(keyRows.length).toBeGreaterThan(0);
    const responses: string[] = [];
    for (const url of [`/issuers/${issuer.slug}/did.json`, `/issuers/${issuer.slug}`, `/v1/credentials/${credentialId}`, '/openapi.json']) {
      responses.push((await t.app.inject({ method: 'GET', url, headers: issuer.headers })).body);
    }
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of sensitive) expect(logs).not.toContain(secret);
    for (const row of keyRows) {
      expect(logs).not.toContain(row.private_key_sealed);
      for (const body of responses) expect(body).not.toContain(row.private_key_sealed);
    }
    for (const body of responses) {
      expect(body).not.toMatch(/"d"\s*:/);
      for (const secret of sensitive) expect(body).not.toContain(secret);
    }
    // API keys are stored only as SHA-256 hashes.
    const stored = await t.db.selectFrom('api_keys').select('token_hash').execute();
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
