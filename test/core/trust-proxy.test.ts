/**
 * Behind a load balancer every request comes from its address: without TRUST_PROXY one client's
 * failed tokens lock out everyone. With it, limits count per client as the proxy reports it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(() => t?.close());

/** A bad token from `client` as the proxy at 127.0.0.1 (app.inject's address) reports it. */
const badToken = (client: string) =>
  t!.app.inject({
    method: 'GET',
    url: '/v1/achievements/00000000-0000-4000-8000-000000000000',
    headers: { authorization: 'Bearer wrong-token', 'x-forwarded-for': client },
  });

describe('TRUST_PROXY', () => {
  it.each([
    ['1', 401],
    ['127.0.0.0/8', 401],
    ['', 429],
  ])('TRUST_PROXY=%j: after one client’s failures, another client gets %i', async (trustProxy, other) => {
    t = await buildTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: trustProxy } });
    for (let i = 0; i < 3; i++) expect((await badToken('203.0.113.7')).statusCode).toBe(401);
    expect((await badToken('203.0.113.7')).statusCode).toBe(429);
    expect((await badToken('198.51.100.20')).statusCode).toBe(other);
  });

  it('does not believe a forwarded address from a proxy it was not told of', async () => {
    t = await buildTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '10.0.0.1' } });
    for (let i = 0; i < 3; i++) await badToken(`203.0.113.${i}`);
    expect((await badToken('198.51.100.20')).statusCode).toBe(429);
  });
});
