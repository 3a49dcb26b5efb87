/**
 * Issue 25 end to end, with real processes, real databases and the reference library: a service on
 * this project's engine (embedded PGlite, or PostgreSQL) issues a cohort, singles, an hours award and
 * a CLR, revokes and suspends some; its database goes to a file (db export with the service stopped,
 * or backup while it runs on PostgreSQL); the file is imported into a fresh PostgreSQL database and
 * restored into a fresh DATA_DIR; services started on each serve every credential, status list and
 * API key as before, and never hand out again an index handed out after the file was made. Then the
 * key-encryption key is rotated and the same holds. Bad files are refused with exit 2 and nothing
 * written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/app.js';
import { createScratchDatabase, startService, type ServiceProcess } from '../helpers/process.js';
import { ADMIN, PUBLIC_URL, cli, expectRefusal, expectSameAndVerified, issueMore, observe, seed, startCli, type Observed, type Seeded } from './ops-helpers.js';

/** The cohort's size; IEUM_OPS_COHORT=1000 (or more) for the figures in docs/operations.md. */
const COHORT = Number(process.env.IEUM_OPS_COHORT ?? 300);
/** Each step starts processes and verifies hundreds of signatures on two shared cores. */
const LONG = 300_000;
const engine = onPostgres() ? 'postgres' : 'pglite';

let work: string;
let sourceEnv: Record<string, string>;
let source: ServiceProcess | undefined;
let seeded: Seeded;
let before: Observed;
let file: string;
/** Restored below: on PGlite the backup the running service sent; on PostgreSQL the same as `file`. */
let restoreFile: string;
/** Handed out by the source after the file was made: lost with it, never to be handed out again. */
let afterFile: { list: string; index: number }[];
const scratch: { drop(): Promise<void> }[] = [];
const services: ServiceProcess[] = [];
const timings: Record<string, number> = {};

async function scratchDb(): Promise<string> {
  const db = await createScratchDatabase();
  scratch.push(db);
  return db.url;
}

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService({ PUBLIC_URL, ADMIN_TOKEN: ADMIN, ...env });
  services.push(service);
  return service;
}

async function tablesIn(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
  await client.end();
  return rows[0].n;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ieum-ops-'));
  sourceEnv =
    engine === 'pglite'
      ? { DATA_DIR: path.join(work, 'source'), KEYS_DIR: path.join(work, 'keys') }
      : { DATABASE_URL: await scratchDb(), KEYS_DIR: path.join(work, 'keys') };
  source = await start(sourceEnv);
  const t0 = performance.now();
  seeded = await seed(source, COHORT);
  timings.seed = performance.now() - t0;
  // What the service serves from its database: a list it has just signed is first served as signed
  // (its keys in signing order), and from then on as the database returns it (jsonb's key order).
  await observe(source, seeded);
  await source.stop();
  source = await start(sourceEnv);
  before = await observe(source, seeded);
}, 300_000);

afterAll(async () => {
  for (const s of services) await s.stop().catch(() => {});
  for (const db of scratch) await db.drop().catch(() => {});
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(
    `[ops ${engine}] ${seeded?.ids.length} credentials; timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`,
  );
});

describe(`from ${engine}: to a file`, () => {
  if (engine === 'pglite') {
    it('db export refuses to read the embedded database while the service holds it', async () => {
      const run = await cli(['db', 'export', '--out', path.join(work, 'early.ieum')], sourceEnv);
      expectRefusal(run, /in use by process \d+ .*stop it first/);
      expect(existsSync(path.join(work, 'early.ieum'))).toBe(false);
    });
  }

  it(
    engine === 'pglite' ? 'db export, with the service stopped' : 'backup, while the service runs',
    async () => {
      if (engine === 'pglite') await source!.stop();
      file = path.join(work, 'one.ieum');
      const run = await cli([...(engine === 'pglite' ? ['db', 'export'] : ['backup']), '--out', file], sourceEnv);
      expect(run.code, run.stderr).toBe(0);
      timings[engine === 'pglite' ? 'export' : 'backup'] = run.ms;
      expect(run.stdout).toMatch(/(Exported|Backed up) \d+ rows \(schema \d{4}_\w+\)/);
      expect(run.stdout).toContain(`seoul-women: ${seeded.ids.length} credentials`);
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      const header = JSON.parse(text.slice(2, text.indexOf('\n')));
      expect(header).toMatchObject({ format: 'ieum-backup', formatVersion: 1, publicUrl: PUBLIC_URL, institutions: { 'seoul-women': seeded.ids.length } });
      expect(header.counts.credentials).toBe(seeded.ids.length);
      // Never the key-encryption key, in any form the service keeps it.
      const kek = readFileSync(path.join(work, 'keys', 'kek'), 'utf8').trim();
      expect(text).not.toContain(kek);
      expect(text).not.toContain(Buffer.from(kek, 'base64').toString('hex'));
      expect(readdirSync(work).filter((f) => f.endsWith('.partial'))).toEqual([]);

      restoreFile = file;
      timings.fileKiB = statSync(file).size / 1024;
      if (engine === 'pglite') {
        source = await start(sourceEnv);
        // While it runs, the service holds the database: `ieum backup` asks it (GET /v1/backup).
        restoreFile = path.join(work, 'live.ieum');
        const live = await cli(['backup', '--out', restoreFile, '--url', source.url], { ...sourceEnv, ADMIN_TOKEN: ADMIN });
        expect(live.code, live.stderr).toBe(0);
        timings.liveBackup = live.ms;
        expect(live.stdout).toMatch(/Backed up \d+ rows .* from the running service/);
        expect(live.stdout).toContain(`seoul-women: ${seeded.ids.length} credentials`);
        const wrongToken = await cli(['backup', '--out', path.join(work, 'x.ieum'), '--url', source.url], { ...sourceEnv, ADMIN_TOKEN: `${ADMIN}-wrong` });
        expectRefusal(wrongToken, /refused the backup/);
        expect(existsSync(path.join(work, 'x.ieum'))).toBe(false);
      }
      // The source goes on issuing after the files were made.
      afterFile = await issueMore(source!, seeded, 5, 'after-file');
    },
    LONG,
  );

  it('refuses to overwrite a file', async () => {
    const run = await cli(['backup', '--out', file], sourceEnv);
    expectRefusal(run, /already exists/);
  });

  it(
    'kill -9 during a backup leaves the earlier backup whole and no file under the new name',
    async () => {
      const next = path.join(work, 'killed.ieum');
      const args = ['backup', '--out', next, ...(engine === 'pglite' ? ['--url', source!.url] : [])];
      await killWhenPartial(next, startCli(args, { ...sourceEnv, ADMIN_TOKEN: ADMIN }));
      expect(existsSync(next)).toBe(false);
      const check = await cli(['restore', '--in', restoreFile], { KEYS_DIR: path.join(work, 'keys'), DATA_DIR: path.join(work, 'check-earlier') });
      expect(check.code, check.stderr).toBe(0);
      // The service goes on: the snapshot the killed backup held is let go.
      afterFile.push(...(await issueMore(source!, seeded, 1, 'after-kill')));
    },
    LONG,
  );
});

async function killWhenPartial(target: string, run: ReturnType<typeof startCli>): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(`${target}.partial`) && run.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
  run.child.kill('SIGKILL');
  const result = await run.done;
  // Killed while writing (or, on a fast machine, done before the kill: then the file is whole).
  if (result.code === 0) rmSync(target);
}

describe('bad files: one line, exit 2, nothing written', () => {
  const variants: [string, () => Buffer, RegExp][] = [
    ['truncated', () => readFileSync(file).subarray(0, Math.floor(readFileSync(file).length / 2)), /truncated/],
    ['tampered', () => rewrite((text) => text.replace('서울여성능력개발원', '서울여성능력개발윈'), false), /changed since it was written/],
    ['from a newer schema', () => rewrite((text) => text.replace('"migrations":[', '"migrations":["9999_future",'), true), /newer Ieum/],
    ['not a backup', () => Buffer.from('hello\n'), /not an Ieum backup/],
  ];

  /** The file's text changed by `edit`; with `reseal`, its checksum made right again. */
  function rewrite(edit: (text: string) => string, reseal: boolean): Buffer {
    const text = edit(gunzipSync(readFileSync(file)).toString('utf8'));
    if (!reseal) return gzipSync(text);
    const body = text.slice(0, text.lastIndexOf('E {'));
    const end = JSON.parse(text.slice(text.lastIndexOf('E {') + 2));
    return gzipSync(`${body}E ${JSON.stringify({ ...end, sha256: createHash('sha256').update(body).digest('hex') })}\n`);
  }

  it.each(variants)('%s: db import leaves the PostgreSQL database empty', async (name, make, message) => {
    const bad = path.join(work, `bad-${name.replace(/\W/g, '-')}.ieum`);
    writeFileSync(bad, make());
    const url = await scratchDb();
    expectRefusal(await cli(['db', 'import', '--in', bad], { DATABASE_URL: url, KEYS_DIR: path.join(work, 'keys') }), message);
    expect(await tablesIn(url)).toBe(0);
  });

  it.each(variants)('%s: restore creates no database folder', async (name, make, message) => {
    const bad = path.join(work, `bad2-${name.replace(/\W/g, '-')}.ieum`);
    writeFileSync(bad, make());
    const dataDir = path.join(work, `restore-bad-${name.replace(/\W/g, '-')}`);
    expectRefusal(await cli(['restore', '--in', bad], { DATA_DIR: dataDir, KEYS_DIR: path.join(work, 'keys') }), message);
    expect(existsSync(path.join(dataDir, 'pglite'))).toBe(false);
  });

  it('a wrong key-encryption key is refused before anything is written', async () => {
    const url = await scratchDb();
    const other = { DATABASE_URL: url, KEY_ENCRYPTION_KEY: 'a'.repeat(64) };
    expectRefusal(await cli(['db', 'import', '--in', file], other), /does not open the keys/);
    expect(await tablesIn(url)).toBe(0);
  });
});

describe('db import into a fresh PostgreSQL database, and a service on it', () => {
  let moved: ServiceProcess;
  let env: Record<string, string>;

  it('imports, and refuses a database that is not empty', async () => {
    env = { DATABASE_URL: await scratchDb(), KEYS_DIR: path.join(work, 'keys') };
    const run = await cli(['db', 'import', '--in', file], env);
    expect(run.code, run.stderr).toBe(0);
    timings.import = run.ms;
    expect(run.stdout).toMatch(/Imported \d+ rows/);
    expect(run.stdout).toMatch(/\d+ status lists closed/);
    expectRefusal(await cli(['db', 'import', '--in', file], env), /not empty/);
  });

  it(
    'serves every credential and status list as before; the reference library verifies them; revoked stay revoked',
    async () => {
      moved = await start(env);
      await expectSameAndVerified(moved, seeded, before, 3);
    },
    LONG,
  );

  it('takes the old API key, and never hands out an index handed out before', async () => {
    const fresh = await issueMore(moved, seeded, 5, 'after-import');
    const used = new Set(
      [...before.credentials.values()].map((c) => `${c.credential.credentialStatus?.statusListCredential}#${c.credential.credentialStatus?.statusListIndex}`),
    );
    for (const a of afterFile) used.add(`${a.list}#${a.index}`);
    for (const f of fresh) expect(used.has(`${f.list}#${f.index}`)).toBe(false);
    // New lists: every list the file had is closed.
    for (const f of fresh) expect(before.lists.has(f.list)).toBe(false);
  });

  it('doctor: exit 0 on the moved database; 1 when a list no longer says what its credentials say', async () => {
    const ok = await cli(['doctor'], env);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok +migrations: current/);
    expect(ok.stdout).toMatch(/ok +private-keys: all \d+ private keys open/);
    expect(ok.stdout).toMatch(/ok +status-lists: .* signed copies verify and match/);
    expect(ok.stdout).toMatch(new RegExp(`seoul-women: ${seeded.ids.length + 5} credentials \\(3 revoked, 2 suspended\\)`));
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    // A revocation written behind the service's back: the signed list no longer matches.
    await client.query('update credentials set revoked_at = now() where id = $1', [seeded.ids[10]]);
    await client.end();
    const bad = await cli(['doctor'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL +status-lists: .*\n.*1 bits differ/);
  });
});

describe('restore into a fresh DATA_DIR, then kek rotate', () => {
  let env: Record<string, string>;
  let restored: ServiceProcess;

  it(
    'restores, and serves everything as before',
    async () => {
      env = { DATA_DIR: path.join(work, 'restored'), KEYS_DIR: path.join(work, 'keys') };
      const run = await cli(['restore', '--in', restoreFile], env);
      expect(run.code, run.stderr).toBe(0);
      timings.restore = run.ms;
      expectRefusal(await cli(['restore', '--in', restoreFile], env), /already holds a database/);
      restored = await start(env);
      await expectSameAndVerified(restored, seeded, before, 10);
      const fresh = await issueMore(restored, seeded, 3, 'after-restore');
      const lost = new Set(afterFile.map((a) => `${a.list}#${a.index}`));
      for (const f of fresh) expect(lost.has(`${f.list}#${f.index}`)).toBe(false);
      for (const f of fresh) expect(before.lists.has(f.list)).toBe(false);
    },
    LONG,
  );

  it(
    'kek rotate: every key re-sealed; the old key no longer opens them; the service signs and verifies as before',
    async () => {
      await restored.stop();
      const oldKek = readFileSync(path.join(work, 'keys', 'kek'), 'utf8');
      const run = await cli(['kek', 'rotate'], env);
      expect(run.code, run.stderr).toBe(0);
      timings.rotate = run.ms;
      expect(run.stdout).toMatch(/\d+ private keys re-sealed/);
      expect(readFileSync(path.join(work, 'keys', 'kek.previous'), 'utf8')).toBe(oldKek);
      expect(readFileSync(path.join(work, 'keys', 'kek'), 'utf8')).not.toBe(oldKek);
      expect(existsSync(path.join(work, 'keys', 'kek.next'))).toBe(false);
      const doctor = await cli(['doctor'], env);
      expect(doctor.code, doctor.stdout).toBe(0);
      // The old key no longer opens this database.
      const withOld = await cli(['doctor'], { ...env, KEY_ENCRYPTION_KEY: oldKek.trim() });
      expect(withOld.code).toBe(1);
      expect(withOld.stdout).toMatch(/FAIL +key-encryption-key/);

      const rotated = await start(env);
      await expectSameAndVerified(rotated, seeded, before, 25);
      const fresh = await issueMore(rotated, seeded, 2, 'after-rotate');
      expect(fresh).toHaveLength(2);
    },
    LONG,
  );
});
