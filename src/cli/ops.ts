/**
 * The operator's commands that run beside the service, on its database, with its configuration
 * (the same DATA_DIR or DATABASE_URL, KEYS_DIR or KEY_ENCRYPTION_KEY, PUBLIC_URL): db export/import,
 * backup/restore, kek export/import/rotate, doctor. Every refusal is one line and exit 2, with
 * nothing written.
 */
import { existsSync, promises as fs } from 'node:fs';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { Readable } from 'node:stream';
import { createDatabase, type Db } from '../db/database.js';
import { dataDirHolder, pgliteDir } from '../db/database-thread.js';
import { writeBackupFile } from '../ops/backup-file.js';
import { checkBackup, dumpDatabase, loadBackup, openExisting, removeCreated } from '../ops/backup.js';
import { runDoctor } from '../ops/doctor.js';
import { fingerprint, kekFile, MIN_PASSPHRASE, openKekFile, readKek, rotateKek, sealKek, writeSecretFile } from '../ops/kek.js';
import { Refusal } from '../ops/refusal.js';
import { stringValue, type Context, type Values } from './context.js';
import { EXIT, UsageError } from './errors.js';

function configOf(ctx: Context): Config {
  try {
    return loadConfig(ctx.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`configuration error: ${error.message}`);
    throw error;
  }
}

function fileOption(values: Values, name: string): string {
  const value = stringValue(values, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function withDb<T>(db: Db, work: (db: Db) => Promise<T>): Promise<T> {
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function dump(ctx: Context, values: Values, kind: 'export' | 'backup'): Promise<number> {
  const out = fileOption(values, 'out');
  if (existsSync(out)) throw new Refusal(`${out} already exists: choose a new file name (it is never overwritten)`);
  const config = configOf(ctx);
  const started = performance.now();
  const holder = config.databaseUrl ? undefined : dataDirHolder(pgliteDir(config.dataDir));
  if (kind === 'backup' && holder !== undefined) return backupThroughService(ctx, values, config, out, holder, started);
  const result = await withDb(await openExisting(config), (db) => dumpDatabase(db, out, { kind, config }));
  const { header } = result;
  ctx.out(
    `${kind === 'export' ? 'Exported' : 'Backed up'} ${result.rows} rows (schema ${header.schemaVersion}) to ${out}: ${mib(result.bytes)} in ${seconds(started)}`,
  );
  for (const [slug, n] of Object.entries(header.institutions)) ctx.out(`  ${slug}: ${n} credentials`);
  ctx.out('The file holds private keys sealed under the key-encryption key, never the key itself: keep the key apart (ieum kek export).');
  return EXIT.ok;
}

/**
 * The embedded database is held by the running service (pid `holder`): it sends the backup
 * (GET /v1/backup, operator token), and the file is checked whole before it is put in place.
 */
async function backupThroughService(ctx: Context, values: Values, config: Config, out: string, holder: number, started: number): Promise<number> {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const base = stringValue(values, 'url') ?? (ctx.env.IEUM_URL || `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`);
  const token = config.adminToken ?? ctx.env.IEUM_TOKEN;
  if (!token) throw new UsageError(`the service (process ${holder}) holds the database: its ADMIN_TOKEN is needed to ask it for the backup`);
  let res: Response;
  try {
    res = await fetch(new URL('/v1/backup', base), { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new Refusal(`the service (process ${holder}) holds the database but does not answer at ${base}: give its address with --url or IEUM_URL`);
  }
  if (res.status !== 200 || !res.body) {
    const problem = (await res.json().catch(() => ({}))) as { detail?: string };
    throw new Refusal(`the service at ${base} refused the backup: ${problem.detail ?? `HTTP ${res.status}`}`);
  }
  const { bytes, checked } = await writeBackupFile(out, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), true);
  const header = checked!.header;
  ctx.out(`Backed up ${checked!.rows} rows (schema ${header.schemaVersion}) from the running service to ${out}: ${mib(bytes)} in ${seconds(started)}`);
  for (const [slug, n] of Object.entries(header.institutions)) ctx.out(`  ${slug}: ${n} credentials`);
  ctx.out('The file holds private keys sealed under the key-encryption key, never the key itself: keep the key apart (ieum kek export).');
  return EXIT.ok;
}

export const dbExport = (ctx: Context, values: Values) => dump(ctx, values, 'export');
export const backup = (ctx: Context, values: Values) => dump(ctx, values, 'backup');

async function load(ctx: Context, values: Values, command: 'import' | 'restore'): Promise<number> {
  const file = fileOption(values, 'in');
  const config = configOf(ctx);
  if (command === 'import' && !config.databaseUrl)
    throw new UsageError('DATABASE_URL is not set: db import loads into the PostgreSQL it names (ieum restore loads into a fresh DATA_DIR)');
  const kek = (await readKek(config))?.kek;
  const started = performance.now();
  // The whole file is checked before anything is opened or created: a bad file leaves nothing behind.
  const checked = await checkBackup(file, kek);
  let db: Db;
  let created: string | undefined;
  if (config.databaseUrl) {
    try {
      db = await createDatabase({ databaseUrl: config.databaseUrl, maxConnections: 2 });
    } catch (error) {
      throw new Refusal(`cannot open the database: ${(error as Error).message}`);
    }
  } else {
    const dir = pgliteDir(config.dataDir);
    if (existsSync(dir) && (await fs.readdir(dir)).length > 0)
      throw new Refusal(`${dir} already holds a database: restore into a fresh DATA_DIR (or move that one away first)`);
    const holder = dataDirHolder(dir);
    if (holder !== undefined) throw new Refusal(`${dir} is in use by process ${holder}: stop it first`);
    created = dir;
    db = await createDatabase({ dataDir: config.dataDir });
  }
  let result: Awaited<ReturnType<typeof loadBackup>>;
  try {
    result = await withDb(db, (d) => loadBackup(d, file, checked));
  } catch (error) {
    if (created) await removeCreated(created);
    throw error;
  }
  const { header } = result;
  ctx.out(
    `${command === 'import' ? 'Imported' : 'Restored'} ${result.rows} rows (schema ${header.schemaVersion}, ${header.kind} of ${header.createdAt}) in ${seconds(started)}`,
  );
  for (const [slug, n] of Object.entries(header.institutions)) ctx.out(`  ${slug}: ${n} credentials`);
  ctx.out(`${result.closedStatusLists} status lists closed: new credentials take indexes from new lists, never one handed out since the file was made.`);
  if (header.publicUrl !== config.publicUrl)
    ctx.err(
      `warning: the file was made by a service at ${header.publicUrl}, and PUBLIC_URL here is ${config.publicUrl}: start with the same PUBLIC_URL, or no credential's links and DIDs resolve`,
    );
  if (!result.keyChecked)
    ctx.err(
      'warning: no key-encryption key here to test: start the service with the one the file was made with (KEY_ENCRYPTION_KEY, KEYS_DIR/kek or ieum kek import)',
    );
  return EXIT.ok;
}

export const dbImport = (ctx: Context, values: Values) => load(ctx, values, 'import');
export const restore = (ctx: Context, values: Values) => load(ctx, values, 'restore');

async function passphrase(ctx: Context, values: Values): Promise<string> {
  const file = stringValue(values, 'passphrase-file');
  let value: string | undefined;
  if (file) {
    try {
      value = (await fs.readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch {
      throw new UsageError(`cannot read --passphrase-file ${file}`);
    }
  } else value = ctx.env.IEUM_KEK_PASSPHRASE;
  if (!value) throw new UsageError('no passphrase: set IEUM_KEK_PASSPHRASE or give --passphrase-file FILE');
  return value;
}

export async function kekExport(ctx: Context, values: Values): Promise<number> {
  const out = fileOption(values, 'out');
  if (existsSync(out)) throw new Refusal(`${out} already exists: choose a new file name (it is never overwritten)`);
  const secret = await passphrase(ctx, values);
  if (secret.length < MIN_PASSPHRASE) throw new UsageError(`the passphrase must have at least ${MIN_PASSPHRASE} characters`);
  const config = configOf(ctx);
  const current = await readKek(config);
  if (!current) throw new Refusal(`there is no key-encryption key here: neither KEY_ENCRYPTION_KEY nor ${kekFile(config)}`);
  await writeSecretFile(out, await sealKek(current.kek, secret));
  ctx.out(`The key-encryption key (fingerprint ${fingerprint(current.kek)}, from ${current.source}) is in ${out}, sealed with the passphrase.`);
  ctx.out('Keep the file and the passphrase in different places: either alone opens nothing.');
  return EXIT.ok;
}

export async function kekImport(ctx: Context, values: Values): Promise<number> {
  const file = fileOption(values, 'in');
  const config = configOf(ctx);
  const kek = await openKekFile(file, await passphrase(ctx, values));
  if (values.print) {
    ctx.out(kek.toString('base64'));
    ctx.err(`fingerprint ${fingerprint(kek)}: set KEY_ENCRYPTION_KEY to the line above`);
    return EXIT.ok;
  }
  if (config.keyEncryptionKey) throw new UsageError('KEY_ENCRYPTION_KEY is set: use --print and set the variable to the key printed');
  const target = kekFile(config);
  const existing = await readKek(config);
  if (existing) {
    if (existing.kek.equals(kek)) {
      ctx.out(`${target} already holds this key (fingerprint ${fingerprint(kek)})`);
      return EXIT.ok;
    }
    throw new Refusal(`${target} already holds another key (fingerprint ${fingerprint(existing.kek)}): move it away first`);
  }
  await writeSecretFile(target, `${kek.toString('base64')}\n`);
  ctx.out(`The key-encryption key (fingerprint ${fingerprint(kek)}) is in ${target}`);
  return EXIT.ok;
}

export async function kekRotate(ctx: Context, values: Values): Promise<number> {
  const config = configOf(ctx);
  const out = stringValue(values, 'new-key-out');
  if (out && existsSync(out)) throw new Refusal(`${out} already exists: it is never overwritten`);
  const started = performance.now();
  const result = await withDb(await openExisting(config), (db) => rotateKek(db, config, out, values.force === true));
  ctx.out(
    result.resumed
      ? `Finished an interrupted rotation: ${result.keys} private keys are sealed under the new key (fingerprint ${result.newFingerprint}) in ${result.newKeyAt}`
      : `${result.keys} private keys re-sealed under a new key-encryption key (fingerprint ${result.newFingerprint}) in ${seconds(started)}; it is in ${result.newKeyAt}`,
  );
  if (result.oldKeyAt) ctx.out(`The old key (fingerprint ${result.oldFingerprint}) stays in ${result.oldKeyAt}: backups made before today need it.`);
  else ctx.out(`Set KEY_ENCRYPTION_KEY to the content of ${result.newKeyAt} on every instance, then start them; keep the old key for older backups.`);
  ctx.out('Export the new key for safe keeping: ieum kek export --out FILE');
  return EXIT.ok;
}

export async function doctor(ctx: Context, values: Values): Promise<number> {
  const config = configOf(ctx);
  const kek = (await readKek(config))?.kek;
  const report = await withDb(await openExisting(config), (db) => runDoctor(db, config, kek));
  if (values.json) {
    ctx.out(JSON.stringify(report, null, 2));
  } else {
    for (const check of report.checks) {
      ctx.out(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.check}: ${check.detail}`);
      for (const problem of check.problems ?? []) ctx.out(`        ${problem}`);
    }
    for (const i of report.institutions)
      ctx.out(
        `      ${i.slug}: ${i.credentials} credentials (${i.revoked} revoked, ${i.suspended} suspended), ${i.statusLists} status lists, ${i.signingKeys} signing keys, ${i.apiKeys} API keys`,
      );
  }
  return report.ok ? EXIT.ok : EXIT.refused;
}
