/**
 * The key-encryption key outside the service: sealed export and import (scrypt + AES-GCM), and
 * rotation, crash-safe: a kill -9 at any moment leaves every private key opening under the old or
 * the new key, and running the command again finishes. Real processes, on this project's engine.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensUnder, seal, sealCanary, unseal } from '../../src/crypto/key-encryption.js';
import { aadFor } from '../../src/crypto/keys.js';
import { createDatabase, type Db } from '../../src/db/database.js';
import { onPostgres } from '../helpers/app.js';
import { createScratchDatabase, startService, type ServiceProcess } from '../helpers/process.js';
import { ADMIN, PUBLIC_URL, cli, expectRefusal, issueMore, seed, startCli, type Seeded } from './ops-helpers.js';

const engine = onPostgres() ? 'postgres' : 'pglite';
const PASSPHRASE = 'correct horse battery staple 이음';
let work: string;
let env: Record<string, string>;
let seeded: Seeded;
let drop: (() => Promise<void>) | undefined;
const services: ServiceProcess[] = [];

const keysDir = () => path.join(work, 'keys');
const kekText = () => readFileSync(path.join(keysDir(), 'kek'), 'utf8');

async function openDb(): Promise<Db> {
  return createDatabase(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.DATA_DIR });
}

/** Every private key and the canary open under one of `keys` (all under the same one). */
async function sealedUnderOneOf(keys: Buffer[]): Promise<Buffer | undefined> {
  const db = await openDb();
  try {
    const rows = await db.selectFrom('signing_keys').select(['id', 'private_key_sealed']).execute();
    const canary = (await db.selectFrom('key_encryption_check').select('sealed').executeTakeFirstOrThrow()).sealed;
    return keys.find((k) => opensUnder(k, canary) && rows.every((r) => opensUnder(k, r.private_key_sealed, aadFor(r.id))));
  } finally {
    await db.destroy();
  }
}

const b64 = (text: string) => Buffer.from(text.trim(), 'base64');

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ieum-kek-'));
  if (engine === 'postgres') {
    const scratch = await createScratchDatabase();
    drop = scratch.drop;
    env = { DATABASE_URL: scratch.url, KEYS_DIR: keysDir() };
  } else {
    env = { DATA_DIR: path.join(work, 'data'), KEYS_DIR: keysDir() };
  }
  const service = await startService({ PUBLIC_URL, ADMIN_TOKEN: ADMIN, ...env });
  services.push(service);
  seeded = await seed(service, 20);
  // A second key for the institution: rotation re-seals every one.
  const rotated = await fetch(`${service.url}/v1/issuers/${seeded.slug}/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
  expect(rotated.status).toBeLessThan(300);
  await service.stop();
}, 180_000);

afterAll(async () => {
  for (const s of services) await s.stop().catch(() => {});
  await drop?.().catch(() => {});
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kek export and import', () => {
  const sealedFile = () => path.join(work, 'kek-sealed.json');

  it('exports the key sealed with the passphrase; the file holds neither in the clear', async () => {
    expectRefusal(await cli(['kek', 'export', '--out', sealedFile()], { ...env, IEUM_KEK_PASSPHRASE: 'short' }), /at least 12 characters/);
    expect(existsSync(sealedFile())).toBe(false);
    const run = await cli(['kek', 'export', '--out', sealedFile()], { ...env, IEUM_KEK_PASSPHRASE: PASSPHRASE });
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(sealedFile(), 'utf8');
    expect(text).not.toContain(kekText().trim());
    expect(text).not.toContain(PASSPHRASE);
    expect(JSON.parse(text)).toMatchObject({ format: 'ieum-kek', version: 1, kdf: { name: 'scrypt' }, cipher: 'aes-256-gcm' });
    expectRefusal(await cli(['kek', 'export', '--out', sealedFile()], { ...env, IEUM_KEK_PASSPHRASE: PASSPHRASE }), /already exists/);
  });

  it.each([
    ['a wrong passphrase', () => readFileSync(sealedFile()), 'another passphrase, long enough', /passphrase does not open/],
    [
      'a changed file',
      () => {
        const file = JSON.parse(readFileSync(sealedFile(), 'utf8'));
        const bytes = Buffer.from(file.ciphertext, 'base64');
        bytes[0]! ^= 1;
        return Buffer.from(JSON.stringify({ ...file, ciphertext: bytes.toString('base64') }));
      },
      PASSPHRASE,
      /passphrase does not open/,
    ],
    ['not a sealed key', () => Buffer.from('{"hello":1}'), PASSPHRASE, /not a sealed key-encryption key/],
  ])('%s: one line, exit 2, no key written', async (_name, make, passphrase, message) => {
    const bad = path.join(work, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(bad, make());
    const elsewhere = path.join(work, `keys-${Math.random().toString(36).slice(2)}`);
    expectRefusal(await cli(['kek', 'import', '--in', bad], { KEYS_DIR: elsewhere, IEUM_KEK_PASSPHRASE: passphrase }), message);
    expect(existsSync(path.join(elsewhere, 'kek'))).toBe(false);
  });

  it('imports into an empty KEYS_DIR, the same bytes; never replaces another key', async () => {
    const elsewhere = path.join(work, 'keys-restored');
    const run = await cli(['kek', 'import', '--in', sealedFile()], { KEYS_DIR: elsewhere, IEUM_KEK_PASSPHRASE: PASSPHRASE });
    expect(run.code, run.stderr).toBe(0);
    expect(b64(readFileSync(path.join(elsewhere, 'kek'), 'utf8')).equals(b64(kekText()))).toBe(true);
    const again = await cli(['kek', 'import', '--in', sealedFile()], { KEYS_DIR: elsewhere, IEUM_KEK_PASSPHRASE: PASSPHRASE });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already holds this key/);
    const other = path.join(work, 'keys-other');
    writeFileSync(path.join(work, 'pass'), `${PASSPHRASE}\n`);
    await cli(['kek', 'export', '--out', path.join(work, 'unused.json'), '--passphrase-file', path.join(work, 'pass')], { KEYS_DIR: other });
    expect(existsSync(path.join(other, 'kek'))).toBe(false); // export never creates a key
    writeFileSync(path.join(work, 'keys-restored', 'kek'), `${Buffer.alloc(32, 7).toString('base64')}\n`);
    expectRefusal(await cli(['kek', 'import', '--in', sealedFile()], { KEYS_DIR: elsewhere, IEUM_KEK_PASSPHRASE: PASSPHRASE }), /already holds another key/);
    const printed = await cli(['kek', 'import', '--in', sealedFile(), '--print'], { KEYS_DIR: elsewhere, IEUM_KEK_PASSPHRASE: PASSPHRASE });
    expect(b64(printed.stdout).equals(b64(kekText()))).toBe(true);
  });
});

describe('kek rotate', () => {
  it('is refused while the service runs: it holds the old key', async () => {
    const service = await startService({ PUBLIC_URL, ADMIN_TOKEN: ADMIN, ...env });
    services.push(service);
    const before = kekText();
    expectRefusal(await cli(['kek', 'rotate'], env), engine === 'pglite' ? /in use by process \d+/ : /other sessions are connected/);
    expect(kekText()).toBe(before);
    expect(existsSync(path.join(keysDir(), 'kek.next'))).toBe(false);
    await service.stop();
  });

  it('killed at any moment, every key opens under the old or the new key; run again, it finishes', async () => {
    const oldKey = b64(kekText());
    for (const delay of [300, 900, 1200, 1500, 1800]) {
      const run = startCli(['kek', 'rotate'], env);
      await new Promise((r) => setTimeout(r, delay));
      run.child.kill('SIGKILL');
      await run.done;
      const candidates = [b64(kekText())];
      const next = path.join(keysDir(), 'kek.next');
      if (existsSync(next)) candidates.push(b64(readFileSync(next, 'utf8')));
      if (existsSync(path.join(keysDir(), 'kek.previous'))) candidates.push(b64(readFileSync(path.join(keysDir(), 'kek.previous'), 'utf8')));
      expect(await sealedUnderOneOf(candidates), `after a kill at ${delay} ms`).toBeDefined();
    }
    const finish = await cli(['kek', 'rotate'], env);
    expect(finish.code, finish.stderr).toBe(0);
    expect(existsSync(path.join(keysDir(), 'kek.next'))).toBe(false);
    const now = b64(kekText());
    expect(now.equals(oldKey)).toBe(false);
    expect(await sealedUnderOneOf([now])).toBeDefined();
    const doctor = await cli(['doctor'], env);
    expect(doctor.code, doctor.stdout).toBe(0);
  });

  it('finishes a rotation stopped after its commit, before its key replaced kek', async () => {
    const current = b64(kekText());
    const next = Buffer.alloc(32, 9);
    // The state a kill -9 between the commit and the rename leaves: kek.next written, the database under it.
    writeFileSync(path.join(keysDir(), 'kek.next'), `${next.toString('base64')}\n`, { mode: 0o600 });
    const db = await openDb();
    const rows = await db.selectFrom('signing_keys').select(['id', 'private_key_sealed']).execute();
    await db.transaction().execute(async (trx) => {
      for (const r of rows)
        await trx
          .updateTable('signing_keys')
          .set({ private_key_sealed: seal(next, unseal(current, r.private_key_sealed, aadFor(r.id)), aadFor(r.id)) })
          .where('id', '=', r.id)
          .execute();
      await trx
        .updateTable('key_encryption_check')
        .set({ sealed: sealCanary(next) })
        .where('id', '=', 1)
        .execute();
    });
    await db.destroy();
    const refused = await cli(['doctor'], env);
    expect(refused.code).toBe(1);
    const run = await cli(['kek', 'rotate'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Finished an interrupted rotation/);
    expect(b64(kekText()).equals(next)).toBe(true);
    expect(b64(readFileSync(path.join(keysDir(), 'kek.previous'), 'utf8')).equals(current)).toBe(true);
    expect((await cli(['doctor'], env)).code).toBe(0);
  });

  it('with KEY_ENCRYPTION_KEY: the new key goes to --new-key-out; the service starts with it and signs', async () => {
    const current = kekText().trim();
    const envKek = { ...env, KEYS_DIR: path.join(work, 'no-keys-here'), KEY_ENCRYPTION_KEY: current };
    expectRefusal(await cli(['kek', 'rotate'], envKek), /--new-key-out/);
    const out = path.join(work, 'new-kek');
    const run = await cli(['kek', 'rotate', '--new-key-out', out], envKek);
    expect(run.code, run.stderr).toBe(0);
    const fresh = readFileSync(out, 'utf8').trim();
    const withOld = await startService({ PUBLIC_URL, ADMIN_TOKEN: ADMIN, ...envKek }).catch((error: Error) => error);
    expect(withOld).toBeInstanceOf(Error);
    const service = await startService({ PUBLIC_URL, ADMIN_TOKEN: ADMIN, ...envKek, KEY_ENCRYPTION_KEY: fresh });
    services.push(service);
    expect(await issueMore(service, seeded, 1, 'after-env-rotate')).toHaveLength(1);
  });
});
