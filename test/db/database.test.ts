/**
 * Database errors as the service sees them, the same on both engines: PostgreSQL's own fields (code,
 * constraint) arrive with the error, the statement's SQL text does not (a cohort's chunk is tens of KB).
 * On PGlite, statements are prepared once and executed many times (pglite-worker.ts): the answers
 * stay those of a fresh statement, through generic plans, changed tables, errors and eviction.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest } from '../../src/db/database.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/app.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('a database error', () => {
  it('carries its code and constraint, not the SQL text', async () => {
    const issuer = { id: randomUUID(), slug: `db-${randomUUID().slice(0, 8)}`, name: '기관', url: 'https://x.example', email: 'x@example.com' };
    await t.db.insertInto('issuers').values(issuer).execute();
    const error = await t.db
      .insertInto('issuers')
      .values({ ...issuer, id: randomUUID() })
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e as Record<string, unknown>,
      );
    expect(error).toMatchObject({ code: '23505' });
    expect(String(error!.constraint)).toMatch(/slug/);
    expect(error!.query).toBeUndefined();
  });
});

describe('a statement run again and again', () => {
  it('answers for the values of each run, past the point where a generic plan is used', async () => {
    await sql`create table repeat_rows (id int primary key, label text, at timestamptz)`.execute(t.db);
    const at = new Date('2026-12-01T09:00:00.000Z');
    for (let i = 0; i < 20; i++) {
      await t.db
        .insertInto('repeat_rows' as never)
        .values({ id: i, label: i % 2 ? `홀수 ${i}` : null, at: new Date(at.getTime() + i * 1000) } as never)
        .execute();
    }
    for (let i = 0; i < 20; i++) {
      const row = (await t.db
        .selectFrom('repeat_rows' as never)
        .selectAll()
        .where('id' as never, '=', i as never)
        .executeTakeFirst()) as { id: number; label: string | null; at: Date } | undefined;
      expect(row).toEqual({ id: i, label: i % 2 ? `홀수 ${i}` : null, at: new Date(at.getTime() + i * 1000) });
    }
    const updated = await t.db
      .updateTable('repeat_rows' as never)
      .set({ label: 'x' } as never)
      .where('id' as never, '<', 5 as never)
      .executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(5);
  });

  it('sees a table that changed shape since it was first run', async () => {
    await sql`create table reshaped (a int)`.execute(t.db);
    await sql`insert into reshaped values (1)`.execute(t.db);
    const read = () => sql<Record<string, unknown>>`select * from reshaped`.execute(t.db).then((r) => r.rows);
    for (let i = 0; i < 7; i++) expect(await read()).toEqual([{ a: 1 }]);
    await sql`alter table reshaped add column b text default '나'`.execute(t.db);
    expect(await read()).toEqual([{ a: 1, b: '나' }]);
  });

  it('fails on bad SQL with the database code, and the next statement runs', async () => {
    const error = await sql`select * frm nowhere`.execute(t.db).then(
      () => undefined,
      (e: unknown) => e as Record<string, unknown>,
    );
    expect(error).toMatchObject({ code: '42601' });
    expect((await sql<{ n: number }>`select 1 + 1 as n`.execute(t.db)).rows).toEqual([{ n: 2 }]);
  });

  it('keeps answering when more distinct statements ran than are kept prepared, and for long ones', async () => {
    for (let i = 0; i < 520; i++) {
      const { rows } = await sql<{ n: number }>`select ${i}::int + ${sql.lit(i)} as n`.execute(t.db);
      expect(rows[0]!.n).toBe(2 * i);
    }
    const { rows } = await sql<{ n: number }>`select ${3}::int + ${sql.lit(0)} as n`.execute(t.db);
    expect(rows[0]!.n).toBe(3);
    // A long statement (a cohort's chunk is ~125 KB) is kept and run again with the same answers.
    const terms = Array.from({ length: 2_500 }, (_, i) => sql`(${i}::int)`);
    for (let run = 0; run < 3; run++) {
      const long = await sql<{ n: number }>`select sum(x)::int as n from (values ${sql.join(terms)}) as v(x)`.execute(t.db);
      expect(long.rows[0]!.n).toBe((2_499 * 2_500) / 2);
    }
  });

  it('keeps answering past the budget of cached SQL text, and for a statement longer than all of it', async () => {
    // Twenty distinct ~30 KB statements exceed the 400,000 characters kept prepared: the oldest are
    // closed, and the first, run again, is prepared anew.
    const longSum = (k: number) => {
      const terms = Array.from({ length: 2_000 }, (_, i) => sql`(${i + k}::int, ${i % 3 === 0 ? null : `이름 ${i} "인용" \\ 😀`}::text)`);
      // The literal k makes each text distinct.
      return sql<{
        n: number;
        names: number;
      }>`select sum(x)::int as n, count(name)::int as names from (values ${sql.join(terms)}) as v(x, name) where ${sql.lit(k)} >= 0`;
    };
    for (const k of [...Array.from({ length: 20 }, (_, k) => k), 0, 19]) {
      const { rows } = await longSum(k).execute(t.db);
      expect(rows[0]).toEqual({ n: (1_999 * 2_000) / 2 + 2_000 * k, names: 1_333 });
    }
    const text = '가'.repeat(450_000);
    const { rows } = await sql<{ n: number; same: boolean }>`select length(${text}::text)::int as n, ${text}::text = ${sql.lit(text)} as same`.execute(t.db);
    expect(rows[0]).toEqual({ n: 450_000, same: true });
  });
});

describe.skipIf(onPostgres())('the embedded database', () => {
  it('runs with 16 MB of shared buffers, not PostgreSQL default 128 MB (its heap never shrinks)', async () => {
    const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(t.db);
    expect(rows[0]!.shared_buffers).toBe('16MB');
  });

  it('creates a new data folder in a process of its own, then opens it; the folder opens again after', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ieum-db-'));
    try {
      for (const round of [1, 2]) {
        const db = await createDatabase({ dataDir: path.join(dir, 'data') });
        await migrateToLatest(db);
        if (round === 1) await sql`insert into key_encryption_check (id, sealed) values (1, 'x')`.execute(db);
        const { rows } = await sql<{ sealed: string }>`select sealed from key_encryption_check`.execute(db);
        expect(rows).toEqual([{ sealed: 'x' }]);
        await db.destroy();
      }
      expect(existsSync(path.join(dir, 'data', 'pglite', 'PG_VERSION'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
