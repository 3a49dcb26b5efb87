/**
 * The suite runs twice: on embedded PGlite and on the PostgreSQL server (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test). When no server answers, the PostgreSQL run is left out
 * with a warning, unless REQUIRE_POSTGRES=1 (as in CI), which makes that an error.
 */
import { defineConfig } from 'vitest/config';
import pg from 'pg';

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function serverAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const onServer = await serverAnswers();
if (!onServer) {
  if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL at ${serverUrl} does not answer, and REQUIRE_POSTGRES=1`);
  console.warn(`\n!! PostgreSQL at ${serverUrl} does not answer: running the suite on PGlite only\n`);
}

const shared = {
  include: ['test/**/*.test.ts'],
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'pglite', env: { IEUM_TEST_DB: 'pglite' } } },
      ...(onServer ? [{ test: { ...shared, name: 'postgres', env: { IEUM_TEST_DB: 'postgres', TEST_DATABASE_URL: serverUrl } } }] : []),
    ],
  },
});
