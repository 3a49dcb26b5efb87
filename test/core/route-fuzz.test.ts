/**
 * Property-based fuzzing of every route: 10,000 hostile requests (random JSON, valid bodies with one
 * field broken, prototype-pollution keys, huge and deep values, JSON nested thousands deep, values of
 * the wrong type that a lax parser would coerce, bidi overrides and lone surrogates in names, dates
 * a century off, wrong content types, invalid UTF-8), and forms and images to the verify routes,
 * authenticated as the operator, an institution, or no one. Never a 5xx; a rejected request never
 * writes a row.
 */
import { deflateSync } from 'node:zlib';
import CRC32 from 'crc-32';
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
  const hours = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/training-hours',
      headers: issuer.headers,
      payload: { achievementId: hoursAchievement.id, learner: { name: '이지현', email: 'fuzz@example.com' }, hours: 2, activity: 'x', date: '2026-01-02' },
    })
  ).json();
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
  const tables = [
    'issuers',
    'signing_keys',
    'api_keys',
    'achievements',
    'learners',
    'credentials',
    'status_lists',
    'training_hours',
    'hours_awards',
    'known_issuers',
    'known_status_lists',
    'audit_events',
  ];
  const counts = [...tables.map((table) => `(select count(*) from ${table})`), '(select coalesce(sum(allocated), 0) from status_lists)'];
  const { rows } = await sql<{ n: number }>`select ${sql.raw(counts.join(' + '))} as n`.execute(t.db);
  return Number(rows[0]!.n);
}

type Route = { method: 'GET' | 'POST' | 'DELETE'; url: () => string; body?: () => Record<string, unknown>; headers?: Record<string, string> };
const routes: Route[] = [
  { method: 'POST', url: () => '/v1/issuers', body: () => ({ slug: 'fuzz-x', name: 'n', url: 'https://x.org', email: 'a@x.org' }) },
  { method: 'POST', url: () => `/v1/issuers/${issuer.slug}/api-keys`, body: () => ({ label: 'l' }) },
  { method: 'DELETE', url: () => `/v1/issuers/${issuer.slug}/api-keys/00000000-0000-4000-8000-000000000000` },
  { method: 'POST', url: () => `/v1/issuers/${issuer.slug}/keys/rotate` },
  { method: 'POST', url: () => '/v1/achievements', body: () => ({ kind: 'course', name: 'n', description: 'd', criteria: { narrative: 'n' } }) },
  { method: 'GET', url: () => `/v1/achievements/${ids.achievement}` },
  { method: 'POST', url: () => '/v1/credentials', body: () => ({ achievementId: ids.achievement, recipient: { name: 'a', email: 'a@example.com' } }) },
  {
    method: 'POST',
    url: () => '/v1/credentials/batch',
    body: () => ({ achievementId: ids.achievement, items: [{ recipient: { name: 'a', email: 'b@example.com' } }] }),
  },
  { method: 'GET', url: () => '/v1/credentials?limit=5' },
  { method: 'GET', url: () => `/v1/credentials/${ids.credential}` },
  { method: 'POST', url: () => `/v1/credentials/${ids.credential}/suspend`, body: () => ({ reason: 'r' }) },
  { method: 'POST', url: () => `/v1/credentials/${ids.credential}/unsuspend`, body: () => ({}) },
  {
    method: 'POST',
    url: () => '/v1/training-hours',
    body: () => ({ achievementId: ids.hoursAchievement, learner: { name: 'a', email: 'c@example.com' }, hours: 1, activity: 'a', date: '2026-02-03' }),
  },
  { method: 'POST', url: () => `/v1/training-hours/${ids.session}/void`, body: () => ({ reason: 'r' }) },
  { method: 'GET', url: () => `/v1/learners/${ids.learner}` },
  { method: 'GET', url: () => `/v1/learners/${ids.learner}/hours` },
  { method: 'POST', url: () => `/v1/learners/${ids.learner}/clr`, body: () => ({}) },
  { method: 'POST', url: () => '/v1/verify', body: () => ({ jwt: 'a.b.c' }) },
  {
    method: 'POST',
    url: () => '/v1/known-issuers',
    body: () => ({
      id: 'https://x.org/i',
      name: 'n',
      verificationMethods: [{ id: 'https://x.org/i#k', type: 'Multikey', publicKeyMultibase: 'z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi' }],
    }),
  },
  { method: 'POST', url: () => '/v1/known-status-lists', body: () => ({ credential: { type: ['BitstringStatusListCredential'], id: 'https://x.org/l' } }) },
  { method: 'GET', url: () => '/v1/audit?limit=3' },
  {
    method: 'POST',
    url: () => '/credentials/issue',
    body: () => ({
      credential: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential'],
        issuer: issuer.did,
        credentialSubject: { name: 'x' },
      },
    }),
  },
  { method: 'POST', url: () => '/credentials/verify', body: () => ({ verifiableCredential: {} }) },
  {
    method: 'POST',
    url: () => '/credentials/status',
    body: () => ({ credentialId: ids.credential, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'suspended' }] }),
  },
  { method: 'GET', url: () => `/c/${ids.credential}` },
  { method: 'GET', url: () => `/status/${ids.list}` },
  { method: 'GET', url: () => `/issuers/${issuer.slug}/did.json` },
  { method: 'GET', url: () => '/?lang=en' },
  { method: 'GET', url: () => `/issuers/${issuer.slug}` },
  { method: 'GET', url: () => `/issuers/${issuer.slug}?lang=en`, headers: { accept: 'text/html,*/*;q=0.8' } },
  { method: 'GET', url: () => '/issuers/no-such-institution', headers: { accept: 'text/html' } },
  { method: 'GET', url: () => `/issuers/${issuer.slug}/logo.png` },
];

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 50 }),
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    'javascript:alert(1)',
    '../../etc/passwd',
    'x'.repeat(5000),
    '\u0000',
    '😀',
    '김'.repeat(300),
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER,
    true,
    null,
    [],
    {},
  ),
  // Issue 19's shapes: what a coercing parser took for numbers, names that read backwards or are
  // not text at all, dates a century off, an e-mail past RFC 5321's lengths.
  fc.constantFrom(
    '5',
    [5],
    '450',
    '   ',
    '\u202Eevil.exe',
    'a\u2066b',
    '\uD800',
    'e\u0301',
    '1900-01-01',
    '2099-12-31',
    `${'a'.repeat(300)}@example.com`,
    'data:image/png;base64,AAAA',
    'https://x.org/"onload="',
  ),
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
        fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'text/csv',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/vc+jwt',
          'image/png',
        ),
        async (routeIndex, who, pick, value, mode, contentType) => {
          const route = routes[routeIndex]!;
          const headers: Record<string, string> = {
            ...route.headers,
            ...(who === 'admin' ? admin : who === 'issuer' ? issuer.headers : who === 'bad' ? { authorization: 'Bearer ieum_nope' } : {}),
          };
          let payload: string | Buffer | undefined;
          if (route.method !== 'GET') {
            const body = mode === 3 ? value : breakBody(route.body?.() ?? {}, pick, value, mode);
            payload = JSON.stringify(body) ?? 'null';
            if (pick % 17 === 0) payload = Buffer.concat([Buffer.from(payload.slice(0, 5)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(payload.slice(5))]);
            // JSON nested far past the limit, closed or not.
            else if (pick % 23 === 0) payload = '{"a":' + '['.repeat(65 + (pick % 20_000)) + (pick % 2 ? ']'.repeat(65 + (pick % 20_000)) + '}' : '');
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

/** A PNG (signature and IHDR only, as a parser sees first) with one iTXt chunk, possibly compressed. */
function pngWith(text: string, compressed: boolean): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(CRC32.buf(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0);
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  const body = compressed ? deflateSync(text) : Buffer.from(text);
  const itxt = Buffer.concat([Buffer.from('openbadgecredential\0', 'latin1'), Buffer.from([compressed ? 1 : 0, 0, 0, 0]), body]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('iTXt', itxt),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('the verify routes under hostile forms and images', () => {
  it('never answer 5xx to multipart forms and baked images of any shape', async () => {
    const failures: string[] = [];
    const text = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
      fc.nat(30_000).map((n) => '{"a":' + '['.repeat(n)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('eyJhbGciOiJFZERTQSJ9.e30.c2ln', '{"@context":[],"type":["VerifiableCredential"]}', '<svg xmlns="http://www.w3.org/2000/svg"/>'),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), fc.nat(6), fc.nat(3 * 1024 * 1024), async (content, compressed, shape, size) => {
        const boundary = 'fuzz-boundary';
        const part = (name: string, body: string | Buffer, filename?: string) =>
          Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n`),
            Buffer.from(body),
            Buffer.from('\r\n'),
          ]);
        const image = pngWith(content, compressed);
        const forms: Buffer[] = [
          Buffer.concat([part('text', content), Buffer.from(`--${boundary}--\r\n`)]),
          Buffer.concat([part('file', image, 'badge.png'), Buffer.from(`--${boundary}--\r\n`)]),
          Buffer.concat([part('file', Buffer.alloc(size, 0x20), 'big.json'), Buffer.from(`--${boundary}--\r\n`)]),
          Buffer.concat([part('file', image, 'a.png'), part('file2', content, 'b.json'), Buffer.from(`--${boundary}--\r\n`)]),
          Buffer.concat([...Array.from({ length: 6 }, (_, i) => part(`f${i}`, content)), Buffer.from(`--${boundary}--\r\n`)]),
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n${content.slice(0, 50)}`),
        ];
        const res =
          shape < forms.length
            ? await t.app.inject({
                method: 'POST',
                url: '/verify',
                headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
                payload: forms[shape]!,
              })
            : await t.app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'image/png' }, payload: image });
        if (res.statusCode >= 500) failures.push(`shape ${shape} → ${res.statusCode} ${res.body.slice(0, 200)}`);
        expect(failures).toEqual([]);
      }),
      { numRuns: 300 },
    );
  }, 300_000);
});
