/**
 * The database: PostgreSQL through `pg` when DATABASE_URL is set, else embedded PGlite under DATA_DIR.
 * The same migrations and queries run on both.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
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
  const db = new Kysely<Database>({ dialect: new PGliteThreadDialect(options.dataDir ? path.resolve(options.dataDir, 'pglite') : undefined) });
  // Start the database thread now, so a data directory that cannot be opened stops the start here.
  const { dataDir } = options;
  const opened = (dataDir ? fs.mkdir(dataDir, { recursive: true }) : Promise.resolve()).then(async () => {
    await sql`select 1`.execute(db);
  });
  return { db, opened };
}

/** Runs every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db, schema?: string): Promise<void> {
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
