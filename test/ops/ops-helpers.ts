/**
 * For the operations tests: the `ieum` CLI as a child process, a service seeded with every kind of
 * credential, and what a verifier outside sees of it (credentials, status lists) to compare after a
 * move or a restore.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { verifyJwtWithDidKey, verifyWithLibrary } from '../helpers/independent-verify.js';
import type { ServiceProcess } from '../helpers/process.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PUBLIC_URL = 'https://badges.ieum.example';
export const ADMIN = 'ops-test-admin-token-0123456789';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `ieum …` with exactly this environment (plus PATH); `started` lets a test kill it. */
export function startCli(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<CliRun> } {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PUBLIC_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started })));
  return { child, done };
}

export const cli = (args: string[], env: Record<string, string>) => startCli(args, env).done;

/** A refusal: exit 2, one line on stderr, nothing on stdout. */
export function expectRefusal(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stderr + run.stdout).toBe(2);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stdout).toBe('');
}

/** Just enough of FastifyInstance for the reference-library helpers: GETs go to the real service. */
export function remote(service: ServiceProcess): FastifyInstance {
  return {
    inject: async ({ url }: { url: string }) => {
      const res = await fetch(service.url + url);
      const body = await res.text();
      return { statusCode: res.status, body, json: () => JSON.parse(body) };
    },
  } as unknown as FastifyInstance;
}

async function call(service: ServiceProcess, method: string, url: string, token: string, body?: unknown) {
  const res = await fetch(service.url + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

export interface Seeded {
  slug: string;
  token: string;
  courseId: string;
  ids: string[];
  revoked: string[];
  suspended: string[];
  clrId: string;
  hoursAwardId: string;
}

/**
 * An institution with a cohort of `cohort` credentials, singles, an hours award (three sessions of
 * 20 hours against 60 required), a CLR; some revoked, some suspended.
 */
export async function seed(service: ServiceProcess, cohort: number): Promise<Seeded> {
  const slug = 'seoul-women';
  const created = await call(service, 'POST', '/v1/issuers', ADMIN, {
    slug,
    name: '서울여성능력개발원',
    url: 'https://women.seoul.example',
    email: 'badges@women.seoul.example',
  });
  expect(created.status, created.text).toBe(201);
  const token = created.json().apiKey.token as string;
  const achievement = async (body: Record<string, unknown>) => {
    const res = await call(service, 'POST', '/v1/achievements', token, {
      description: '재취업 여성을 위한 과정',
      criteria: { narrative: '출석 80% 이상' },
      ...body,
    });
    expect(res.status, res.text).toBe(201);
    return res.json().id as string;
  };
  const courseId = await achievement({ kind: 'course', name: '백엔드 개발자 입문과정', hours: 450 });
  const hoursId = await achievement({ kind: 'training_hours', name: '연간 직무교육', requiredHours: 60 });

  const items = Array.from({ length: cohort }, (_, i) => ({ recipient: { name: `수강생 ${i}`, email: `learner${i}@example.com` } }));
  const batch = await call(service, 'POST', '/v1/credentials/batch', token, { achievementId: courseId, items });
  expect(batch.status, batch.text.slice(0, 500)).toBeLessThan(300);
  const ids: string[] = batch.json().results.map((r: { id: string }) => r.id);
  expect(ids.filter(Boolean)).toHaveLength(cohort);
  for (let i = 0; i < 3; i++) {
    const one = await call(service, 'POST', '/v1/credentials', token, {
      achievementId: courseId,
      recipient: { name: '김민지', email: `single${i}@example.com` },
    });
    expect(one.status, one.text).toBe(201);
    ids.push(one.json().id);
  }
  let hoursAwardId = '';
  for (const date of ['2026-03-02', '2026-04-06', '2026-05-04']) {
    const res = await call(service, 'POST', '/v1/training-hours', token, {
      achievementId: hoursId,
      learner: { name: '이지현', email: 'learner0@example.com' },
      hours: 20,
      activity: '도시재생 코디네이터 직무교육',
      date,
    });
    expect(res.status, res.text).toBeLessThan(300);
    if (res.json().credential?.id) hoursAwardId = res.json().credential.id;
  }
  expect(hoursAwardId).not.toBe('');
  ids.push(hoursAwardId);
  const learner = (await call(service, 'GET', '/v1/credentials?learner=learner0%40example.com', token)).json().items[0].learner.id;
  const clr = await call(service, 'POST', `/v1/learners/${learner}/clr`, token);
  expect(clr.status, clr.text).toBe(201);
  const clrId = clr.json().id as string;
  ids.push(clrId);

  const revoked = ids.slice(1, 4);
  const suspended = ids.slice(5, 7);
  for (const id of revoked) expect((await call(service, 'POST', `/v1/credentials/${id}/revoke`, token, { reason: '잘못 발급됨' })).status).toBe(200);
  for (const id of suspended) expect((await call(service, 'POST', `/v1/credentials/${id}/suspend`, token, { reason: '확인 중' })).status).toBe(200);
  return { slug, token, courseId, ids, revoked, suspended, clrId, hoursAwardId };
}

export interface Observed {
  /** Per credential: the stored document, its JWT, its state. */
  credentials: Map<string, { credential: Record<string, any>; jwt: string; state: string }>;
  /** Per status list URL: the exact bytes served. */
  lists: Map<string, string>;
  /** Per credential (every 10th): the exact bytes of its public download, /c/{id}/credential.json. */
  downloads: Map<string, string>;
}

/** What the issuer and the public see: every credential (read back) and every status list it points at. */
export async function observe(service: ServiceProcess, seeded: Seeded): Promise<Observed> {
  const credentials: Observed['credentials'] = new Map();
  const lists: Observed['lists'] = new Map();
  const downloads: Observed['downloads'] = new Map();
  for (const [i, id] of seeded.ids.entries()) {
    if (i % 10 === 0) downloads.set(id, await (await fetch(`${service.url}/c/${id}/credential.json`)).text());
    const res = await call(service, 'GET', `/v1/credentials/${id}`, seeded.token);
    expect(res.status, res.text).toBe(200);
    const body = res.json();
    credentials.set(id, { credential: body.credential, jwt: body.jwt, state: body.status?.state ?? body.state });
    const url = body.credential.credentialStatus?.statusListCredential as string | undefined;
    if (url && !lists.has(url)) lists.set(url, await (await fetch(service.url + url.slice(PUBLIC_URL.length))).text());
  }
  return { credentials, lists, downloads };
}

/** Everything as before: documents, states, status lists byte for byte, signatures by the reference library. */
export async function expectSameAndVerified(service: ServiceProcess, seeded: Seeded, before: Observed, verifyEvery = 1): Promise<void> {
  const after = await observe(service, seeded);
  for (const [url, bytes] of before.lists) expect(after.lists.get(url), url).toBe(bytes);
  for (const [id, bytes] of before.downloads) expect(after.downloads.get(id), id).toBe(bytes);
  let i = 0;
  for (const [id, was] of before.credentials) {
    const now = after.credentials.get(id)!;
    expect(now.credential).toEqual(was.credential);
    expect(now.jwt).toBe(was.jwt);
    expect(now.state).toBe(was.state);
    if (i++ % verifyEvery !== 0 && !seeded.revoked.includes(id)) continue;
    const verdict = await verifyWithLibrary(remote(service), PUBLIC_URL, now.credential);
    // The signature holds for every one; the status bit says revoked for exactly the revoked ones.
    expect(verdict.verified, `${id}: ${JSON.stringify(verdict.error ?? verdict)}`.slice(0, 800)).toBe(true);
    expect(verdict.statusResult, id).toMatchObject({ verified: true, results: [{ verified: true, status: seeded.revoked.includes(id) }] });
    if (now.jwt) expect((await verifyJwtWithDidKey(remote(service), now.jwt)).payload.id ?? now.credential.id).toBe(now.credential.id);
  }
  // The service's own verdict for the revoked and the suspended.
  for (const id of [...seeded.revoked, ...seeded.suspended]) {
    const res = await fetch(`${service.url}/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credential: after.credentials.get(id)!.credential }),
    });
    expect((await res.json()).state).toBe(seeded.revoked.includes(id) ? 'revoked' : 'suspended');
  }
}

/** Issues `n` credentials with the institution's API key; returns their status entries. */
export async function issueMore(service: ServiceProcess, seeded: Seeded, n: number, tag: string): Promise<{ id: string; list: string; index: number }[]> {
  const out: { id: string; list: string; index: number }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await call(service, 'POST', '/v1/credentials', seeded.token, {
      achievementId: seeded.courseId,
      recipient: { name: '박서연', email: `${tag}-${i}@example.com` },
    });
    expect(res.status, res.text).toBe(201);
    const status = res.json().credential.credentialStatus;
    out.push({ id: res.json().id, list: status.statusListCredential, index: Number(status.statusListIndex) });
  }
  return out;
}
