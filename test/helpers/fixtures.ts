/** Factories for the things most tests need: an institution, an achievement, a credential. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { expect } from 'vitest';
import { ADMIN_TOKEN } from './app.js';

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface TestIssuer {
  slug: string;
  did: string;
  token: string;
  apiKeyId: string;
  headers: { authorization: string };
}

export async function createIssuer(app: FastifyInstance, overrides: Record<string, unknown> = {}): Promise<TestIssuer> {
  const slug = (overrides.slug as string) ?? `inst-${randomBytes(4).toString('hex')}`;
  const res = await app.inject({
    method: 'POST',
    url: '/v1/issuers',
    headers: admin,
    payload: {
      slug,
      name: '서울여성능력개발원',
      url: 'https://women.seoul.example',
      email: 'badges@women.seoul.example',
      ...overrides,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json();
  return { slug, did: body.did, token: body.apiKey.token, apiKeyId: body.apiKey.id, headers: bearer(body.apiKey.token) };
}

export async function createAchievement(app: FastifyInstance, issuer: TestIssuer, overrides: Record<string, unknown> = {}) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/achievements',
    headers: issuer.headers,
    payload: {
      kind: 'course',
      name: '백엔드 개발자 입문과정',
      description: 'Node.js와 PostgreSQL로 웹 서비스를 만드는 450시간 과정',
      criteria: { narrative: '출석 80% 이상, 최종 프로젝트 통과' },
      hours: 450,
      tags: ['백엔드', 'Node.js'],
      ...overrides,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; url: string; achievement: Record<string, any> };
}

export async function issueCredential(
  app: FastifyInstance,
  issuer: TestIssuer,
  achievementId: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/credentials',
    headers: { ...issuer.headers, ...headers },
    payload: { achievementId, recipient: { name: '김민지', email: 'minji.kim@example.com' }, ...overrides },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; url: string; credential: Record<string, any>; jwt: string };
}

/** A fresh did:key and its Ed25519 key, ready to sign (the key's id is the DID URL of itself). */
export async function didKeySigner(): Promise<{ key: any; did: string }> {
  const key: any = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  return { key, did };
}
