/**
 * Request ids (issue 20): a sane X-Request-Id is kept, anything else is replaced by a UUID; every
 * answer carries the id in its X-Request-Id header, every problem+json body as `requestId`, and
 * the log lines of the request as `requestId`.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { bearer } from '../helpers/fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const logLines: Record<string, unknown>[] = [];
const stream = new Writable({
  write(chunk, _encoding, callback) {
    for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(JSON.parse(line));
    callback();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2' }, deps: { logger: { level: 'info', stream } } });
});
afterAll(() => t.close());

describe('X-Request-Id', () => {
  it.each([
    ['a UUID', 'c7d0c2a4-5b0e-4e8f-9a41-2f1d7e3b6a10'],
    ['one character', 'a'],
    ['128 characters', 'x'.repeat(128)],
    ['letters, digits and . _ : -', 'edge-1.lb_7:42'],
  ])('keeps %s, in the response header and the log lines', async (_what, id) => {
    // Not /health, which logs warnings only.
    const res = await t.app.inject({ method: 'GET', url: '/favicon.ico', headers: { 'x-request-id': id } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-request-id']).toBe(id);
    const lines = logLines.filter((line) => line.requestId === id);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
  });

  it.each([
    ['129 characters', 'x'.repeat(129)],
    ['a space', 'abc def'],
    ['a slash', 'a/b'],
    ['a quote', 'a"b'],
    ['non-ASCII letters', '요청-1'],
    ['nothing', ''],
  ])('replaces an id with %s by a fresh UUID', async (_what, id) => {
    // Not /health, which logs warnings only.
    const res = await t.app.inject({ method: 'GET', url: '/favicon.ico', headers: { 'x-request-id': id } });
    expect(res.statusCode).toBe(204);
    const answered = res.headers['x-request-id'] as string;
    expect(answered).toMatch(UUID);
    expect(logLines.some((line) => line.requestId === answered)).toBe(true);
  });

  it('makes a fresh UUID for each request that sends none', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      expect(res.headers['x-request-id']).toMatch(UUID);
      ids.add(res.headers['x-request-id'] as string);
    }
    expect(ids.size).toBe(3);
  });
});

describe('problems carry the request id', () => {
  const problemOf = (res: { headers: Record<string, unknown>; json(): any }) => {
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    return res.json();
  };

  it('a validation error (400) echoes the given id in the header and the body', async () => {
    const headers = { 'x-request-id': 'bad-body-1' };
    const res = await t.app.inject({ method: 'POST', url: '/v1/verify', headers, payload: { neither: true }, remoteAddress: '203.0.113.1' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-request-id']).toBe('bad-body-1');
    expect(problemOf(res)).toMatchObject({ status: 400, requestId: 'bad-body-1' });
  });

  it('a refused token (401) carries a made id, the same in the header and the body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/credentials', headers: { ...bearer('ieum_not-a-real-token'), 'x-request-id': 'no way' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(problemOf(res).requestId).toBe(res.headers['x-request-id']);
  });

  it('a route that does not exist (404)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/no/such/route', headers: { 'x-request-id': 'lost-404' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-request-id']).toBe('lost-404');
    expect(problemOf(res)).toMatchObject({ status: 404, requestId: 'lost-404' });
  });

  it('a body over the limit (413)', async () => {
    const payload = JSON.stringify({ jwt: 'x'.repeat(t.config.bodyLimit + 1) });
    const headers = { 'content-type': 'application/json', 'x-request-id': 'too-big-413' };
    const res = await t.app.inject({ method: 'POST', url: '/v1/verify', headers, payload, remoteAddress: '203.0.113.2' });
    expect(res.statusCode).toBe(413);
    expect(res.headers['x-request-id']).toBe('too-big-413');
    expect(problemOf(res)).toMatchObject({ status: 413, requestId: 'too-big-413' });
  });

  it('a rate-limited request (429)', async () => {
    // RATE_LIMIT_PER_MINUTE is 2 here: the third request from one address is refused.
    const page = (i: number) =>
      t.app.inject({ method: 'GET', url: '/c/00000000-0000-4000-8000-000000000000', headers: { 'x-request-id': `page-${i}` }, remoteAddress: '198.51.100.9' });
    const answers = [await page(0), await page(1), await page(2)];
    expect(answers.map((res) => res.headers['x-request-id'])).toEqual(['page-0', 'page-1', 'page-2']);
    expect(answers.map((res) => res.statusCode)).toEqual([404, 404, 429]);
    expect(problemOf(answers[2]!)).toMatchObject({ status: 429, requestId: 'page-2' });
  });

  it.each([
    ['a path segment longer than any id (414)', `/c/${'a'.repeat(500)}`, 414],
    ['a URL that cannot be decoded (400)', '/c/%E0%A4%A', 400],
  ])('a framework error: %s', async (_what, url, status) => {
    const res = await t.app.inject({ method: 'GET', url, headers: { 'x-request-id': 'framework-1' } });
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-request-id']).toBe('framework-1');
    expect(problemOf(res)).toMatchObject({ status, requestId: 'framework-1' });
  });

  it('the problem schema in the OpenAPI document names requestId', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.schemas.Problem.properties.requestId).toMatchObject({ type: 'string' });
  });
});

describe('a problem a route sends itself', () => {
  it('/health while the database is away (503)', async () => {
    // A server that refuses every connection (nothing listens on port 9).
    const absent = await createDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:9/absent' });
    const away = await buildTestApp({ deps: { db: absent } });
    try {
      const res = await away.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'health-503' } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['x-request-id']).toBe('health-503');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 503, requestId: 'health-503' });
    } finally {
      await away.close();
      await absent.destroy();
    }
  });
});

describe('before any route', () => {
  it('headers over 16 KiB (431, answered by the HTTP parser) still carry a made id', async () => {
    const listening = await buildTestApp();
    try {
      const address = await listening.app.listen({ port: 0, host: '127.0.0.1' });
      const res = await fetch(`${address}/health`, { headers: { 'x-padding': 'a'.repeat(20_000), 'x-request-id': 'never-read' } });
      expect(res.status).toBe(431);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(UUID);
      expect(await res.json()).toMatchObject({ status: 431, requestId: id });
    } finally {
      await listening.close();
    }
  });
});
