/**
 * npm run bench: the service as `npm start` runs it — its own process, on the embedded database in
 * a fresh data directory (on PostgreSQL when DATABASE_URL is set) — loaded over HTTP with autocannon
 * from this process, against the reference library measured in the same run. Prints a table of
 * figure, value, baseline, ratio, target, met.
 *
 * BENCH_SECONDS (default 10) sets each load's length; BENCH_SOAK_SECONDS (default 60) the memory soak;
 * BENCH_MAIL_SECONDS (default 30) how long a cohort's mail is counted as it arrives.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { signingKeyFromJwk } from '../src/crypto/keys.js';
import { signJwt } from '../src/crypto/securing.js';
import { createDocumentLoader, contextLoader } from '../src/jsonld/document-loader.js';
import { startMailSink } from '../test/helpers/mail-sink.js';
import { startService } from '../test/helpers/process.js';
import { measureHelp, measureStart, QUIET_MS } from './start-time.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
/** Each measurement of the reference (it is measured beside every figure compared with it). */
const REFERENCE_SECONDS = Number(process.env.BENCH_REFERENCE_SECONDS ?? 3);
const MAIL_SECONDS = Number(process.env.BENCH_MAIL_SECONDS ?? 30);
const ADMIN = 'bench-admin-token-0123456789';
let BASE = '';

interface Row {
  figure: string;
  value: number;
  unit: string;
  baseline?: number;
  /** The reference's two measurements around the figure. */
  spread?: string;
  target: string;
  met: boolean | null;
}
const rows: Row[] = [];

async function json(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

/** How many times a second `step` runs, one after another, over `ms` milliseconds (a synchronous step is not awaited). */
async function perSecond(ms: number, step: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    const done = step(n++);
    if (done instanceof Promise) await done;
  }
  return n / ((performance.now() - start) / 1000);
}

/**
 * The reference: @digitalbazaar/vc issuing and verifying one credential at a time, one thread. It is
 * measured again beside each figure compared with it (before and after), since this machine's speed
 * drifts by up to 2× within an hour: a ratio against a baseline taken minutes apart would be off by
 * the drift.
 */
async function reference(sample: Record<string, any>) {
  // A did:key issuer: our verifier resolves it from the identifier, so its credentials take the
  // full standard path there too (row 4).
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  (key as any).id = `${did}#${key.publicKeyMultibase}`;
  (key as any).controller = did;
  const unsigned = structuredClone(sample);
  delete unsigned.proof;
  delete unsigned.credentialStatus;
  unsigned.issuer = { ...unsigned.issuer, id: did };
  const suite = new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022 });
  let signed: any;
  const issueOne = async (i: number | string) => {
    signed = await vc.issue({ credential: { ...unsigned, id: `urn:uuid:${i}` }, suite, documentLoader: contextLoader });
  };
  // Warm, as the service is measured warm: a second unmeasured first (JIT, context caches).
  await perSecond(1000, () => issueOne('warm-up'));
  const exported = await key.export({ publicKey: true, includeContext: true });
  const controller = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [exported],
    assertionMethod: [exported.id],
  };
  const loader = createDocumentLoader(async (url) => (url === did ? controller : url === exported.id ? exported : undefined));
  const verifySuite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  const verifyOne = async () => {
    const r = await vc.verifyCredential({ credential: signed, suite: verifySuite, documentLoader: loader, checkStatus: async () => ({ verified: true }) });
    if (!r.verified) throw new Error('reference verify failed');
  };
  await perSecond(1000, verifyOne);
  const measured = { issue: [] as number[], verify: [] as number[] };
  /** One measurement of `step`, kept for the run's range. */
  const measure = (rates: number[], step: (i: number) => Promise<void>) => async () => {
    const rate = await perSecond(REFERENCE_SECONDS * 1000, step);
    rates.push(rate);
    return rate;
  };
  /** `n` distinct foreign credentials, all signed with this one did:key (row 4c). */
  const foreignMany = async (n: number) => {
    const many: any[] = [];
    for (let i = 0; i < n; i++)
      many.push(await vc.issue({ credential: { ...unsigned, id: `urn:uuid:${randomUUID()}` }, suite, documentLoader: contextLoader }));
    return many;
  };
  return { foreign: () => signed, foreignMany, issueRate: measure(measured.issue, issueOne), verifyRate: measure(measured.verify, verifyOne), measured };
}

/** The figure, with the reference measured just before and just after it: the baseline is their mean. */
async function beside<T>(referenceRate: () => Promise<number>, figure: () => Promise<T>): Promise<{ result: T; baseline: number; spread: string }> {
  const before = await referenceRate();
  const result = await figure();
  const after = await referenceRate();
  return { result, baseline: (before + after) / 2, spread: `${before.toFixed(0)}→${after.toFixed(0)}` };
}

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ ...opts, url: opts.url }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Resident memory of the service process, from /proc. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) * 1024;
}

/** JWT signing alone in this thread, with the service's own function: the bound of JWT-only issuance without storage. */
async function jwtSigningRate(sample: Record<string, any>): Promise<number> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = await signingKeyFromJwk({
    rowId: randomUUID(),
    algorithm: 'Ed25519',
    verificationMethod: 'did:web:bench.example#ed25519-1',
    controller: 'did:web:bench.example',
    privateJwk: privateKey.export({ format: 'jwk' }),
  });
  const { proof: _proof, ...unsigned } = sample;
  return perSecond(SECONDS * 200, (n) => signJwt({ ...(unsigned as any), id: `urn:uuid:${n}` }, key));
}

/** A 10,000-row cohort's CSV, every learner with an e-mail. */
function cohortCsv(prefix: string, rows = 10_000): string {
  const lines = ['name,email'];
  for (let i = 0; i < rows; i++) lines.push(`학습자${i},${prefix}${i}@example.com`);
  return lines.join('\n');
}

/**
 * E-mail delivery (issue 21): the same cohort on two fresh services alike but for SMTP_URL, one
 * after the other (off, then on into a local mail-sink), each warmed by a small cohort first. The
 * issuing rates compare what mail costs issuing; then the cohort's mail is counted as it arrives
 * (the sender holds back while this instance issues a cohort, so it all goes after the answer).
 */
async function mailDelivery(): Promise<{ off: number; on: number; mails: number; mailSeconds: number }> {
  const sink = await startMailSink();
  const rates: number[] = [];
  let mails = 0;
  let mailSeconds = 0;
  try {
    for (const smtpUrl of ['', sink.smtpUrl]) {
      const dir = mkdtempSync(path.join(tmpdir(), 'ieum-bench-mail-'));
      const service = await startService({ ADMIN_TOKEN: ADMIN, DATA_DIR: dir, KEYS_DIR: path.join(dir, 'keys'), DATABASE_URL: '', SMTP_URL: smtpUrl });
      try {
        const call = async (method: string, route: string, token: string, body: unknown, type = 'application/json') => {
          const res = await fetch(service.url + route, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': type },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
          if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
          return res.json() as Promise<any>;
        };
        const issuer = await call('POST', '/v1/issuers', ADMIN, {
          slug: 'bench-mail',
          name: '메일 벤치 기관',
          url: 'https://bench.example',
          email: 'bench@example.com',
        });
        const token = issuer.apiKey.token as string;
        const achievement = await call('POST', '/v1/achievements', token, {
          kind: 'course',
          name: '백엔드 개발자 입문과정',
          description: 'd',
          criteria: { narrative: 'n' },
        });
        const batch = (csv: string) => call('POST', `/v1/credentials/batch?achievementId=${achievement.id}`, token, csv, 'text/csv');
        await batch(cohortCsv('warm', 200));
        if (smtpUrl) await sink.waitForMails(200);
        const start = performance.now();
        const answer = await batch(cohortCsv('mail'));
        const answered = performance.now();
        if (answer.issued !== 10_000) throw new Error(`batch issued ${answer.issued}`);
        rates.push(10_000 / ((answered - start) / 1000));
        if (smtpUrl) {
          while (sink.count() < 10_200 && performance.now() - answered < MAIL_SECONDS * 1000) await new Promise((r) => setTimeout(r, 100));
          mailSeconds = (performance.now() - answered) / 1000;
          mails = sink.count() - 200;
        }
      } finally {
        await service.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await sink.close();
  }
  return { off: rates[0]!, on: rates[1]!, mails, mailSeconds };
}

/** Node's options in package.json's start script (`node [options] bin/build.mjs --start`). */
function npmStartNodeOptions(): string[] {
  const start: string = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start;
  const options = /^node((?: --\S+)*) bin\/build\.mjs --start$/.exec(start);
  if (!options) throw new Error(`package.json's start script is not "node [options] bin/build.mjs --start": ${start}`);
  return options[1]!.trim().split(' ').filter(Boolean);
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ieum-bench-'));
  const databaseUrl = process.env.DATABASE_URL ?? '';
  // The service as npm start runs it: the build in dist/ (made here when stale), not the sources
  // through tsx, with the Node options of npm start.
  execFileSync(process.execPath, ['bin/build.mjs', '--if-stale'], { stdio: 'inherit' });
  const service = await startService(
    {
      ADMIN_TOKEN: ADMIN,
      DATA_DIR: dataDir,
      KEYS_DIR: path.join(dataDir, 'keys'),
      DATABASE_URL: databaseUrl,
      AUTH_FAILURES_PER_MINUTE: '0',
    },
    { script: 'dist/src/main.js', nodeOptions: npmStartNodeOptions() },
  );
  BASE = service.url;
  const pid = service.child.pid!;
  // Idle after start: once the signing thread it starts on listening has loaded.
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const rssStart = rssOf(pid);
  console.log(
    `database: ${databaseUrl ? 'PostgreSQL' : 'PGlite (embedded, on disk as npm start)'}, cores: ${availableParallelism()}, load: ${SECONDS}s each; the service in its own process`,
  );

  const created = await json('POST', '/v1/issuers', ADMIN, {
    slug: `bench-${Date.now()}`,
    name: '벤치마크 교육기관',
    url: 'https://bench.example',
    email: 'bench@example.com',
  });
  const token = created.apiKey.token as string;
  const achievement = await json('POST', '/v1/achievements', token, {
    kind: 'course',
    name: '백엔드 개발자 입문과정',
    description: '450시간 과정',
    criteria: { narrative: '출석 80% 이상' },
    hours: 450,
  });
  const sample = await json('POST', '/v1/credentials', token, { achievementId: achievement.id, recipient: { name: '김민지', email: 'minji@example.com' } });

  const ref = await reference(sample.credential);

  // 1. Issuance over HTTP: stored, status allocated, Data Integrity + JWT. Measured warm, after
  // three unmeasured seconds of the same load (JIT, the workers starting, statements prepared), as
  // the reference is measured after its own warm-up.
  let n = 0;
  const issueLoad = (duration: number) =>
    load({
      url: `${BASE}/v1/credentials`,
      connections: 16,
      duration,
      requests: [
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ achievementId: achievement.id, recipient: { name: '이서연', email: `load${n++}@example.com` } }),
          }),
        },
      ],
    });
  await issueLoad(3);
  const { result: issue, ...issueBaseline } = await beside(ref.issueRate, () => issueLoad(SECONDS));
  rows.push({
    figure: 'POST /v1/credentials (DI + JWT, stored)',
    value: issue.requests.average,
    unit: '/s',
    ...issueBaseline,
    target: '≥ 5×',
    met: issue.requests.average >= 5 * issueBaseline.baseline,
  });
  if (issue.non2xx > 0) console.log(`  (${issue.non2xx} non-2xx answers)`);

  // 2. A 10,000-row cohort.
  const cohort = async (prefix: string, query = '') => {
    const lines = ['name,email'];
    for (let i = 0; i < 10_000; i++) lines.push(`학습자${i},${prefix}${i}@example.com`);
    const start = performance.now();
    const batch = await fetch(`${BASE}/v1/credentials/batch?achievementId=${achievement.id}${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: lines.join('\n'),
    }).then((r) => r.json() as Promise<any>);
    if (batch.issued !== 10_000) throw new Error(`batch issued ${batch.issued}`);
    return { seconds: (performance.now() - start) / 1000, ids: batch.results.map((r: any) => r.id as string) };
  };
  const {
    result: { seconds: batchSeconds, ids: cohortIds },
    ...batchBaseline
  } = await beside(ref.issueRate, () => cohort('cohort'));
  const rssCohort = rssOf(pid);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const rssCohortQuiet = rssOf(pid);
  rows.push({
    figure: '10,000-row batch (credentials/s)',
    value: 10_000 / batchSeconds,
    unit: `/s (${batchSeconds.toFixed(1)} s)`,
    ...batchBaseline,
    target: '≥ 10×',
    met: 10_000 / batchSeconds >= 10 * batchBaseline.baseline,
  });

  // 2a. E-mail delivery: a cohort with SMTP on against off, and the mail it sends (each on fresh services).
  const mail = await mailDelivery();
  rows.push({
    figure: '10,000-row batch, SMTP on (credentials/s), against SMTP off',
    value: mail.on,
    unit: '/s',
    baseline: mail.off,
    spread: 'SMTP off',
    target: '≥ 0.9×',
    met: mail.on >= 0.9 * mail.off,
  });
  rows.push({
    figure: "mails/s into a local SMTP server (mail-sink), the cohort's mail after its answer",
    value: mail.mails / mail.mailSeconds,
    unit: `/s (${mail.mails} of 10,000 in ${mail.mailSeconds.toFixed(1)} s)`,
    target: '',
    met: null,
  });

  // 2b. JWT-only issuance (securing: ['jwt']): one at a time over HTTP, and a cohort.
  const jwtOnly = await load({
    url: `${BASE}/v1/credentials`,
    connections: 16,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ achievementId: achievement.id, recipient: { name: '박지우', email: `jwt${n++}@example.com` }, securing: ['jwt'] }),
        }),
      },
    ],
  });
  rows.push({
    figure: "POST /v1/credentials, securing ['jwt'] (stored)",
    value: jwtOnly.requests.average,
    unit: '/s',
    target: '≥ 5,000/s',
    met: jwtOnly.requests.average >= 5000,
  });
  const { seconds: jwtBatchSeconds } = await cohort('jwtcohort', '&securing=jwt');
  rows.push({
    figure: "10,000-row batch, securing ['jwt']",
    value: 10_000 / jwtBatchSeconds,
    unit: `/s (${jwtBatchSeconds.toFixed(1)} s)`,
    target: '≥ 5,000/s',
    met: 10_000 / jwtBatchSeconds >= 5000,
  });

  // 3. Verify our own credentials (stored, byte-identical documents): 2,000 different ones in turn,
  // so that most verifications read their status from the database; then one credential again and
  // again (a burst of checks of one résumé), where the status read is reused for 500 ms.
  const own: string[] = [];
  for (const id of cohortIds.slice(0, 2_000)) own.push(JSON.stringify({ credential: (await json('GET', `/v1/credentials/${id}`, token)).credential }));
  let turn = 0;
  const { result: verifyMany, ...manyBaseline } = await beside(ref.verifyRate, () =>
    load({
      url: `${BASE}/v1/verify`,
      connections: 16,
      duration: SECONDS,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: own[turn++ % own.length]! }) }],
    }),
  );
  rows.push({
    figure: 'POST /v1/verify, our credentials (2,000 in turn)',
    value: verifyMany.requests.average,
    unit: '/s',
    ...manyBaseline,
    target: '≥ 5×',
    met: verifyMany.requests.average >= 5 * manyBaseline.baseline,
  });
  const { result: verifyOne, ...oneBaseline } = await beside(ref.verifyRate, () =>
    load({
      url: `${BASE}/v1/verify`,
      connections: 16,
      duration: SECONDS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credential: sample.credential }),
    }),
  );
  rows.push({
    figure: 'POST /v1/verify, one of ours again and again',
    value: verifyOne.requests.average,
    unit: '/s',
    ...oneBaseline,
    target: '≥ 5×',
    met: verifyOne.requests.average >= 5 * oneBaseline.baseline,
  });

  // 4. Verify a foreign credential (did:key issuer, signed by the reference): the full standard path.
  const foreign = await json('POST', '/v1/verify', token, { credential: ref.foreign() });
  if (foreign.checks[0].ok !== true) throw new Error(`foreign credential did not verify: ${JSON.stringify(foreign.checks[0])}`);
  const { result: verifyFull, ...fullBaseline } = await beside(ref.verifyRate, () =>
    load({
      url: `${BASE}/v1/verify`,
      connections: 16,
      duration: SECONDS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credential: ref.foreign() }),
    }),
  );
  rows.push({
    figure: 'POST /v1/verify, foreign credential (full path)',
    value: verifyFull.requests.average,
    unit: '/s',
    ...fullBaseline,
    target: '≥ 1×',
    met: verifyFull.requests.average >= fullBaseline.baseline,
  });

  // 4c. An employer's batch: 100 distinct foreign credentials from one did:key issuer per request,
  // against the reference verifying them one by one.
  const batchBody = JSON.stringify({ items: (await ref.foreignMany(100)).map((credential) => ({ credential })) });
  const batchCheck = await json('POST', '/v1/verify/batch', token, JSON.parse(batchBody));
  if (!batchCheck.results.every((r: any) => r.checks?.[0]?.ok === true)) throw new Error('a batch credential did not verify');
  const { result: foreignBatch, ...foreignBatchBaseline } = await beside(ref.verifyRate, () =>
    load({
      url: `${BASE}/v1/verify/batch`,
      // Two batches at a time: each keeps four items in flight on the worker pool.
      connections: 2,
      duration: SECONDS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batchBody,
    }),
  );
  // Batches are long requests: counted over the whole run, not per one-second sample.
  if (foreignBatch.non2xx > 0) throw new Error(`${foreignBatch.non2xx} batch requests failed`);
  const foreignBatchRate = (foreignBatch.requests.total * 100) / foreignBatch.duration;
  rows.push({
    figure: 'POST /v1/verify/batch, 100 foreign credentials from one did:key issuer',
    value: foreignBatchRate,
    unit: 'credentials/s',
    ...foreignBatchBaseline,
    target: '≥ 5×',
    met: foreignBatchRate >= 5 * foreignBatchBaseline.baseline,
  });

  // 4b. The event loop under heavy untrusted input: two 470 KiB foreign credentials (4,000
  // alignments, the signature no longer matching) verified at once, GET /health asked in turn
  // meanwhile; its longest answer is what one heavy request costs everybody else.
  const heavy = structuredClone(ref.foreign());
  heavy.credentialSubject.achievement.alignment = Array.from({ length: 4000 }, (_, i) => ({
    type: ['Alignment'],
    targetName: `목표 ${i}`,
    targetUrl: `https://example.org/framework/${i}`,
    targetType: 'ext:Skill',
  }));
  const heavyBody = JSON.stringify({ credential: heavy });
  let heavyInFlight = true;
  const heavyDone = Promise.all(
    [0, 1].map(() => fetch(`${BASE}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: heavyBody }).then((r) => r.text())),
  ).finally(() => (heavyInFlight = false));
  let longestHealth = 0;
  while (heavyInFlight) {
    const start = performance.now();
    await fetch(`${BASE}/health`).then((r) => r.text());
    longestHealth = Math.max(longestHealth, performance.now() - start);
  }
  await heavyDone;
  rows.push({
    figure: `GET /health, longest answer while two ${(heavyBody.length / 1024).toFixed(0)} KiB foreign credentials verify`,
    value: longestHealth,
    unit: 'ms',
    target: '≤ 50 ms',
    met: longestHealth <= 50,
  });

  // 5. The public page.
  const page = await load({ url: `${BASE}/c/${sample.id}`, connections: 16, duration: SECONDS });
  rows.push({
    figure: 'GET /c/{id} (page with live verdict)',
    value: page.requests.average,
    unit: '/s',
    target: '≥ 5,000/s',
    met: page.requests.average >= 5000,
  });
  rows.push({ figure: 'GET /c/{id} p99 latency, 16 connections', value: page.latency.p99, unit: 'ms', target: '≤ 20 ms', met: page.latency.p99 <= 20 });

  // 6. Revocation visible: revoke, then how long until the public list and page agree.
  const revokeStart = performance.now();
  await json('POST', `/v1/credentials/${sample.id}/revoke`, token, { reason: 'bench' });
  const statusPath = new URL(sample.credential.credentialStatus.statusListCredential).pathname;
  const index = Number(sample.credential.credentialStatus.statusListIndex);
  for (;;) {
    const list = (await fetch(BASE + statusPath).then((r) => r.json())) as any;
    const { gunzipSync } = await import('node:zlib');
    const bits = gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
    if (bits[index >> 3]! & (0x80 >> (index & 7))) break;
  }
  const visibleMs = performance.now() - revokeStart;
  rows.push({ figure: 'revocation visible in the public list', value: visibleMs, unit: 'ms', target: '≤ 1,000 ms', met: visibleMs <= 1000 });

  // 7. Memory under a soak of mixed page and verify load.
  const soakStart = rssOf(pid);
  await Promise.all([
    load({ url: `${BASE}/c/${sample.id}`, connections: 8, duration: SOAK_SECONDS }),
    load({
      url: `${BASE}/v1/verify`,
      connections: 8,
      duration: SOAK_SECONDS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jwt: sample.jwt }),
    }),
  ]);
  const rssEnd = rssOf(pid);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const rssEndQuiet = rssOf(pid);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  rows.push({
    figure: `RSS idle after start (${databaseUrl ? 'PostgreSQL' : 'a new data folder: the migrations just ran'})`,
    value: rssStart / 2 ** 20,
    unit: 'MiB',
    target: '≤ 150 MiB',
    met: rssStart / 2 ** 20 <= 150,
  });
  rows.push({
    figure: `RSS after the 10,000-row cohort, then after a ${SOAK_SECONDS}s soak (each then ${QUIET_MS / 1000}s quiet)`,
    value: rssEndQuiet / 2 ** 20,
    unit: `MiB (cohort ${mib(rssCohort)} → ${mib(rssCohortQuiet)}; soak ${mib(soakStart)} → ${mib(rssEnd)} → ${mib(rssEndQuiet)})`,
    target: databaseUrl ? '≤ 200 MiB' : '≤ 300 MiB',
    met: rssEndQuiet / 2 ** 20 <= (databaseUrl ? 200 : 300),
  });

  const jwtRate = await jwtSigningRate(sample.credential);
  const issueMean = ref.measured.issue.reduce((a, b) => a + b, 0) / ref.measured.issue.length;
  rows.push({
    figure: 'JWT signing alone, one thread (no storage, no HTTP)',
    value: jwtRate,
    unit: '/s',
    baseline: issueMean,
    spread: 'mean of all',
    target: '',
    met: null,
  });
  // Issue 24: how quickly it starts (bench/start-time.ts; each the median of 3).
  const start = await measureStart();
  rows.push({
    figure: 'start: npm start to /health 200 (existing embedded database)',
    value: start.median,
    unit: `ms (median of ${start.runs.map((r) => r.toFixed(0)).join(', ')})`,
    target: '≤ 2,000 ms',
    met: start.median <= 2000,
  });
  rows.push({
    figure: `RSS idle after npm start on an existing embedded database (${QUIET_MS / 1000}s after its first answer)`,
    value: start.rss,
    unit: 'MiB (median)',
    target: '≤ 150 MiB',
    met: start.rss <= 150,
  });
  const help = await measureHelp();
  rows.push({
    figure: 'CLI --help',
    value: help.median,
    unit: `ms (median of ${help.runs.map((r) => r.toFixed(0)).join(', ')})`,
    target: '≤ 300 ms',
    met: help.median <= 300,
  });
  const range = (rates: number[]) => `${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}/s`;
  console.log(
    `\nreference @digitalbazaar/vc (one thread, ${REFERENCE_SECONDS}s each time): issue ${range(ref.measured.issue)}, verify ${range(ref.measured.verify)} over the run`,
  );

  console.log(
    '\n(baseline: the reference measured before→after the figure; the ratio is to their mean)\n| figure | value | baseline | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rows) {
    const ratio = r.baseline ? `${(r.value / r.baseline).toFixed(2)}×` : '';
    const value = Number.isNaN(r.value) ? 'not measured' : `${r.value.toFixed(r.value < 100 ? 1 : 0)} ${r.unit}`;
    console.log(
      `| ${r.figure} | ${value} | ${r.baseline ? `${r.baseline.toFixed(0)}/s (${r.spread})` : ''} | ${ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : 'no'} |`,
    );
  }
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
