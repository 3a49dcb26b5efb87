/**
 * A second, independent verifier: the Digital Credentials Consortium's verifier-core must accept our
 * credentials and report a revoked one as revoked. It never reaches the network: its HTTPS requests
 * for our did:web documents and status lists are answered by the app itself, the OB schema from the
 * conformance folder, and anything else fails the test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential, type TestIssuer } from '../helpers/fixtures.js';
import { conformanceDir } from '../helpers/independent-verify.js';

const PUBLIC = 'https://badges.example.kr';
let t: TestApp;
let issuer: TestIssuer;
let achievementId: string;
const unexpected: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  t = await buildTestApp();
  issuer = await createIssuer(t.app);
  achievementId = (await createAchievement(t.app, issuer)).id;
  const schemas: Record<string, string> = {
    'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json': 'achievementcredential.json',
  };
  vi.stubGlobal('fetch', async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    if (url.startsWith(PUBLIC)) {
      const res = await t.app.inject({ method: (init?.method as 'GET') ?? 'GET', url: url.slice(PUBLIC.length) || '/' });
      return new Response(new Uint8Array(res.rawPayload), {
        status: res.statusCode,
        headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') },
      });
    }
    if (schemas[url])
      return new Response(readFileSync(path.join(conformanceDir, 'ob3', schemas[url]!)), { status: 200, headers: { 'content-type': 'application/json' } });
    unexpected.push(url);
    return new Response('not reachable in tests', { status: 404 });
  });
});
afterAll(async () => {
  vi.stubGlobal('fetch', realFetch);
  await t.close();
});

describe('@digitalcredentials/verifier-core', () => {
  it('accepts our credential and reports it not revoked, and the revoked one as revoked', async () => {
    const { verifyCredential } = await import('@digitalcredentials/verifier-core');
    const issued = await issueCredential(t.app, issuer, achievementId);
    const result: any = await verifyCredential({ credential: issued.credential as any, knownDIDRegistries: [] });
    const step = (id: string) => result.log?.find((s: any) => s.id === id);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(step('valid_signature')?.valid).toBe(true);
    expect(step('revocation_status'), 'verifier-core must report a status step').toBeDefined();
    expect(step('revocation_status').valid).toBe(true);
    expect(step('expiration')?.valid).toBe(true);

    await t.app.inject({ method: 'POST', url: `/v1/credentials/${issued.id}/revoke`, headers: issuer.headers, payload: { reason: '오발급' } });
    const revoked: any = await verifyCredential({ credential: issued.credential as any, knownDIDRegistries: [] });
    const status = revoked.log?.find((s: any) => s.id === 'revocation_status');
    expect(status, 'verifier-core must report a status step').toBeDefined();
    expect(status.valid).toBe(false);
    expect(revoked.log.find((s: any) => s.id === 'valid_signature').valid).toBe(true);

    const tampered = structuredClone(issued.credential);
    tampered.credentialSubject.name = '홍길동';
    const forged: any = await verifyCredential({ credential: tampered as any, knownDIDRegistries: [] });
    const signature = forged.log?.find((s: any) => s.id === 'valid_signature');
    expect(signature?.valid === true).toBe(false);
    expect(unexpected.filter((u) => !u.startsWith('https://purl.imsglobal.org/'))).toEqual([]);
  });
});
