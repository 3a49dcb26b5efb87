/**
 * A whole database as rows, table by table, for `ieum db export/import` and `ieum backup/restore`
 * (docs/decisions/backup-and-restore.md). Generic over the schema: the tables, the order their
 * foreign keys need and their sequences are read from the catalogue, so a table a later migration
 * adds is carried without a change here. Each row travels as PostgreSQL's own `row_to_json` text and
 * comes back through `json_populate_recordset`: timestamps keep their microseconds, numerics their
 * digits, bytea its bytes, and a `json` column (a signed credential, a status list) its exact text,
 * key order and all, on PGlite and PostgreSQL alike. (`to_jsonb` would reorder a json column's keys.)
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './types.js';

type AnyDb = Kysely<Database> | Transaction<Database>;

/** Kysely's own bookkeeping: the migrations are carried as the schema version, not as rows. */
const MIGRATION_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

const ident = (name: string) => sql.id(name);

/** Every table of the current schema, parents before children (foreign keys), then by name. */
export async function listTablesInLoadOrder(db: AnyDb): Promise<string[]> {
  const { rows: tables } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname = current_schema()
    order by c.relname`.execute(db);
  const { rows: edges } = await sql<{ child: string; parent: string }>`
    select cl.relname as child, pr.relname as parent
    from pg_constraint con
      join pg_class cl on cl.oid = con.conrelid
      join pg_class pr on pr.oid = con.confrelid
      join pg_namespace n on n.oid = cl.relnamespace
    where con.contype = 'f' and n.nspname = current_schema() and cl.relname <> pr.relname`.execute(db);
  const names = tables.map((t) => t.name).filter((name) => !MIGRATION_TABLES.has(name));
  const parents = new Map(names.map((name) => [name, new Set<string>()]));
  for (const { child, parent } of edges) parents.get(child)?.add(parent);
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < names.length) {
    const next = names.find((name) => !placed.has(name) && [...parents.get(name)!].every((p) => placed.has(p) || !parents.has(p)));
    if (!next) throw new Error(`the foreign keys between ${names.filter((n) => !placed.has(n)).join(', ')} form a cycle`);
    ordered.push(next);
    placed.add(next);
  }
  return ordered;
}

/** Every table of the current schema, Kysely's included: an import target must have none. */
export async function listAllTables(db: AnyDb): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname = current_schema() order by c.relname`.execute(db);
  return rows.map((r) => r.name);
}

/** The migrations this database has run, in order (empty when it has none). */
export async function listAppliedMigrations(db: AnyDb): Promise<string[]> {
  const tables = await listAllTables(db);
  if (!tables.includes('kysely_migration')) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

export async function countRows(db: AnyDb, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${ident(table)}`.execute(db);
  return Number(rows[0]!.n);
}

/**
 * Reads a table's rows as `row_to_json` text, a page at a time through a cursor, inside the caller's
 * transaction (whose snapshot makes every table of one dump agree).
 */
export async function* streamRows(trx: Transaction<Database>, table: string, pageSize = 500): AsyncGenerator<string[]> {
  await sql`declare ieum_dump no scroll cursor for select row_to_json(t)::text as r from ${ident(table)} t`.execute(trx);
  try {
    for (;;) {
      const { rows } = await sql<{ r: string }>`fetch forward ${sql.lit(pageSize)} from ieum_dump`.execute(trx);
      if (rows.length === 0) return;
      yield rows.map((row) => row.r);
    }
  } finally {
    await sql`close ieum_dump`.execute(trx);
  }
}

/** The columns a row can be inserted with: not dropped, not computed (GENERATED … STORED). */
export async function listInsertableColumns(trx: Transaction<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select a.attname as name from pg_attribute a
    where a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident(${table}))::regclass
      and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
    order by a.attnum`.execute(trx);
  return rows.map((r) => r.name);
}

/** Inserts rows given as `row_to_json` texts (the table's own column names) in one statement. */
export async function insertRows(trx: Transaction<Database>, table: string, columns: string[], rows: string[]): Promise<void> {
  if (rows.length === 0) return;
  const list = sql.join(columns.map((c) => sql.id(c)));
  await sql`insert into ${ident(table)} (${list}) overriding system value
    select ${list} from json_populate_recordset(null::${ident(table)}, ${`[${rows.join(',')}]`}::text::json)`.execute(trx);
}

/** Moves every serial column's sequence past the largest value loaded. */
export async function resetSequences(trx: Transaction<Database>): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string; seq: string | null }>`
    select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as seq
    from information_schema.columns
    where table_schema = current_schema() and column_default like 'nextval(%'`.execute(trx);
  for (const { table_name, column_name, seq } of rows) {
    if (!seq) continue;
    await sql`select setval(${seq}::regclass, coalesce((select max(${ident(column_name)}) from ${ident(table_name)}), 0) + 1, false)`.execute(trx);
  }
}

/**
 * Closes every status list a restore brought back: the copy may predate indexes handed out from
 * them since, so no index of theirs is handed out again; new credentials open new lists.
 */
export async function closeRestoredStatusLists(trx: Transaction<Database>): Promise<number> {
  const result = await sql`update status_lists set is_full = true where not is_full`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/** Drops every table of the current schema: undoes a failed import into what was an empty database. */
export async function dropAllTables(db: AnyDb): Promise<void> {
  for (const table of await listAllTables(db)) await sql`drop table if exists ${ident(table)} cascade`.execute(db);
}
