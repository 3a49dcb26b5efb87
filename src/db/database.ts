/**
 * The database: PostgreSQL through `pg` when DATABASE_URL is set, else embedded PGlite under DATA_DIR.
 * The same migrations and queries run on both.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { type DatabaseThread, pgliteDir } from './database-thread.js';
import { PGliteThreadDialect } from './pglite-thread.js';
import { migrations } from '../../migrations/index.js';
import type { Database } from './types.js';

export type Db = Kysely<Database>;

// Return timestamptz as Date and int8 counts as numbers on both engines.
pg.types.setTypeParser(20, (value) => Number(value));

export interface DatabaseOptions {
  /** postgres:// URL; absent means embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; absent means in memory. */
  dataDir?: string | undefined;
  /** Schema to use on the server (tests run each file in its own). */
  schema?: string | undefined;
  /** Pool size on the server. */
  maxConnections?: number;
  /** PGlite's thread, when the caller started it already (startDatabaseThread on pgliteDir(dataDir)). */
  thread?: Promise<DatabaseThread> | undefined;
}

export async function createDatabase(options: DatabaseOptions): Promise<Db> {
  const { db, opened } = openDatabase(options);
  await opened;
  return db;
}

/**
 * The database at once, and `opened`, which settles when it answers: PGlite's thread takes about a
 * second to open its files, which the service's start spends loading and building the app.
 */
export function openDatabase(options: DatabaseOptions): { db: Db; opened: Promise<void> } {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 10,
      // Fail fast when the server is away: the request gets a 503 instead of hanging.
      connectionTimeoutMillis: 5_000,
      query_timeout: 30_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // A client whose server went away emits 'error'; unheard, that would crash the process. The
    // failure reaches the caller through its query anyway (as a 503), so the event is only absorbed.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), opened: Promise.resolve() };
  }
  const db = new Kysely<Database>({ dialect: new PGliteThreadDialect(options.dataDir ? pgliteDir(options.dataDir) : undefined, options.thread) });
  // Start the database thread now (its data-directory lock makes the folder), so a data directory
  // that cannot be opened stops the start here.
  const opened = sql`select 1`.execute(db).then(() => {});
  return { db, opened };
}

/** Runs every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db, schema?: string): Promise<void> {
  if (await upToDate(db, schema)) return;
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}

/**
 * True when every migration has run and no other: one read, where Kysely's migrator first looks
 * the migration tables up in the catalogue and takes its lock (~250 ms of each start on PGlite).
 * Anything else (no table yet, a migration missing or unknown) is the migrator's to handle.
 */
async function upToDate(db: Db, schema: string | undefined): Promise<boolean> {
  const table = schema ? sql.id(schema, 'kysely_migration') : sql.id('kysely_migration');
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table} order by name`.execute(db);
    const expected = Object.keys(migrations).sort();
    return rows.length === expected.length && rows.every((row, i) => row.name === expected[i]);
  } catch {
    return false;
  }
}

/** True when the database answers a trivial query within the timeout. */
export async function databaseAnswers(db: Db, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
