/**
 * `ieum db export` / `ieum backup` write the database to a file; `ieum db import` / `ieum restore`
 * load one into an empty database. One format for both (backup-file.ts), one snapshot per file.
 * docs/decisions/backup-and-restore.md says why and how status indexes stay unique after a restore.
 */
import { existsSync, promises as fs } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Transaction } from 'kysely';
import path from 'node:path';
import { Migrator } from 'kysely/migration';
import { migrations } from '../../migrations/index.js';
import type { Config } from '../config.js';
import { opensUnder } from '../crypto/key-encryption.js';
import { createDatabase, migrateToLatest, type Db } from '../db/database.js';
import { pgliteDir } from '../db/database-thread.js';
import type { Database } from '../db/types.js';
import {
  closeRestoredStatusLists,
  countRows,
  dropAllTables,
  insertRows,
  listInsertableColumns,
  listAllTables,
  listAppliedMigrations,
  listTablesInLoadOrder,
  resetSequences,
  streamRows,
} from '../db/dump.js';
import {
  FORMAT,
  FORMAT_VERSION,
  checkBackupFile,
  encodeBackup,
  readBackupFile,
  rowLine,
  writeBackupFile,
  type BackupHeader,
  type CheckedBackup,
} from './backup-file.js';
import { countCredentialsPerIssuer } from './ops.repository.js';
import { Refusal } from './refusal.js';

/** The embedded database's folder under DATA_DIR (as src/db/database.ts opens it). */

/** Opens the database the service uses; the embedded one only if it exists (never creates one). */
export async function openExisting(config: Config): Promise<Db> {
  if (!config.databaseUrl && !existsSync(path.join(pgliteDir(config.dataDir), 'PG_VERSION')))
    throw new Refusal(
      `there is no embedded database in ${pgliteDir(config.dataDir)} (DATA_DIR=${config.dataDir}); set DATA_DIR or DATABASE_URL as the service has them`,
    );
  try {
    return await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir, maxConnections: 2 });
  } catch (error) {
    throw new Refusal(`cannot open the database: ${(error as Error).message}`);
  }
}

export interface DumpResult {
  header: BackupHeader;
  bytes: number;
  rows: number;
}

/** The file's lines for one snapshot: the header (counts taken in the same snapshot), then the rows. */
async function* dumpLines(
  trx: Transaction<Database>,
  options: { kind: 'export' | 'backup'; config: Config },
  done: (header: BackupHeader, rows: number) => void,
) {
  const applied = await listAppliedMigrations(trx);
  const known = Object.keys(migrations);
  if (applied.length === 0) throw new Refusal('the database has no tables yet: start the service once, or there is nothing to back up');
  if (applied.some((name) => !known.includes(name))) throw new Refusal('the database was migrated by a newer Ieum: back it up with that version');
  const tables = await listTablesInLoadOrder(trx);
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = await countRows(trx, table);
  const header: BackupHeader = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    kind: options.kind,
    createdAt: new Date().toISOString(),
    engine: options.config.databaseUrl ? 'postgresql' : 'pglite',
    publicUrl: options.config.publicUrl,
    schemaVersion: applied.at(-1)!,
    migrations: applied,
    counts,
    institutions: await countCredentialsPerIssuer(trx),
  };
  yield `H ${JSON.stringify(header)}`;
  let rows = 0;
  for (const table of tables) {
    yield `T ${JSON.stringify({ table, rows: counts[table] })}`;
    for await (const page of streamRows(trx, table)) {
      rows += page.length;
      for (const row of page) yield rowLine(row);
    }
  }
  done(header, rows);
}

/**
 * Writes every table from one snapshot (REPEATABLE READ): a statement that commits while the dump
 * runs is either wholly in it or not at all, so a cohort's chunk is never half there.
 */
export async function dumpDatabase(db: Db, out: string, options: { kind: 'export' | 'backup'; config: Config }): Promise<DumpResult> {
  let result: { header: BackupHeader; rows: number } | undefined;
  const { bytes } = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((trx) => writeBackupFile(out, encodeBackup(dumpLines(trx, options, (header, rows) => (result = { header, rows })))));
  return { ...result!, bytes };
}

/**
 * The same file as a stream, for the running service to send (`GET /v1/backup`): the snapshot's
 * transaction stays open while the bytes flow and ends with them, or when the reader goes away. On
 * PGlite that transaction holds the only session: other statements wait for the dump's seconds.
 */
export function streamBackup(db: Db, config: Config): Readable {
  const out = new PassThrough();
  db.transaction()
    .setIsolationLevel('repeatable read')
    .execute((trx) => pipeline(encodeBackup(dumpLines(trx, { kind: 'backup', config }, () => {})), out))
    .catch((error: Error) => out.destroy(error));
  return out;
}

export interface LoadResult {
  header: BackupHeader;
  rows: number;
  closedStatusLists: number;
  /** False when no key-encryption key was at hand to test against the file's keys. */
  keyChecked: boolean;
}

/**
 * Reads the whole file and checks it (checksum, counts, a schema this Ieum knows, and that the KEK
 * here, if any, opens its keys) before anything is created or written.
 */
export async function checkBackup(file: string, kek: Buffer | undefined): Promise<CheckedBackup & { keyChecked: boolean }> {
  const checked = await checkBackupFile(file, ['key_encryption_check']);
  const { header } = checked;
  const known = Object.keys(migrations);
  const unknown = header.migrations.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Refusal(`${file} comes from a newer Ieum (schema ${header.schemaVersion}): upgrade Ieum before importing it`);
  const canary = checked.kept.key_encryption_check?.[0]?.sealed;
  if (kek && typeof canary === 'string' && !opensUnder(kek, canary))
    throw new Refusal(
      `the key-encryption key configured here does not open the keys in ${file}: put the original in place (KEY_ENCRYPTION_KEY, or KEYS_DIR/kek, or ieum kek import) first`,
    );
  return { ...checked, keyChecked: kek !== undefined && typeof canary === 'string' };
}

/**
 * Loads a file `checkBackup` passed into `db`, which must be empty: migrations up to the file's
 * schema, every row in one transaction, every restored status list closed, then the migrations
 * since. A failure leaves the database empty again.
 */
export async function loadBackup(db: Db, file: string, checked: CheckedBackup & { keyChecked: boolean }): Promise<LoadResult> {
  const { header, keyChecked } = checked;
  const existing = await listAllTables(db);
  if (existing.length > 0)
    throw new Refusal(
      `the target database is not empty (it has ${existing.length} tables, e.g. ${existing.slice(0, 3).join(', ')}): import into an empty database`,
    );

  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateTo(header.schemaVersion);
    if (error) throw error;
    let rows = 0;
    let closedStatusLists = 0;
    await db.transaction().execute(async (trx) => {
      let table = '';
      let columns: string[] = [];
      let batch: string[] = [];
      let batchChars = 0;
      const flush = async () => {
        await insertRows(trx, table, columns, batch);
        rows += batch.length;
        batch = [];
        batchChars = 0;
      };
      // The file is read again: what is loaded is checked again as it goes (a file changed between
      // the two readings fails here, and the transaction rolls back).
      for await (const item of readBackupFile(file)) {
        if (item.type === 'table') {
          await flush();
          table = item.table;
          columns = await listInsertableColumns(trx, table);
        } else if (item.type === 'row') {
          batch.push(item.text);
          batchChars += item.text.length;
          if (batch.length >= 500 || batchChars > 4_000_000) await flush();
        } else if (item.type === 'end') {
          await flush();
          if (item.sha256 !== checked.sha256) throw new Refusal(`${file} changed while it was being read`);
        }
      }
      await resetSequences(trx);
      closedStatusLists = await closeRestoredStatusLists(trx);
    });
    await migrateToLatest(db);
    return { header, rows, closedStatusLists, keyChecked };
  } catch (error) {
    await dropAllTables(db).catch(() => {});
    throw error;
  }
}

/** Removes a folder this command created (a restore into a fresh DATA_DIR that failed). */
export async function removeCreated(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
