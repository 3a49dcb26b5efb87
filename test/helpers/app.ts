/**
 * Builds the app on a freshly migrated database: PGlite in memory, or its own schema on the
 * PostgreSQL server, chosen by IEUM_TEST_DB (set per vitest project).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export const onPostgres = () => process.env.IEUM_TEST_DB === 'postgres';

export interface TestDatabase {
  db: Db;
  schema?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!onPostgres()) {
    const db = await createDatabase({});
    await migrateToLatest(db);
    return { db, drop: () => db.destroy() };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await createDatabase({ databaseUrl: url, schema, maxConnections: 10 });
  await migrateToLatest(db, schema);
  return {
    db,
    schema,
    drop: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      await db.destroy();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  close(): Promise<void>;
}

export async function buildTestApp(options: { env?: Record<string, string>; deps?: Partial<AppDeps> } = {}): Promise<TestApp> {
  const config = loadConfig({ PUBLIC_URL: 'https://badges.example.kr', ADMIN_TOKEN, LOG_LEVEL: 'silent', ...options.env });
  const database = await createTestDatabase();
  const app = await buildApp(config, { db: database.db, kek: randomBytes(32), ...options.deps });
  await app.ready();
  return {
    app,
    db: database.db,
    config,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** How many credentials the database holds (every institution's). */
export async function countCredentials(db: Db): Promise<number> {
  const row = await db
    .selectFrom('credentials')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
