/**
 * The embedded database's own thread: PGlite runs PostgreSQL compiled to WebAssembly, synchronously,
 * on whichever thread calls it. Here it does not share the event loop that serves HTTP; the main
 * thread sends statements in order and gets rows back (see pglite-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, parse, protocol } from '@electric-sql/pglite';
import { releaseMemoryWhenQuiet } from '../memory.js';

export interface QueryMessage {
  id: number;
  sql: string;
  parameters: readonly unknown[];
}

export type ReplyMessage =
  | { id: number; rows: unknown[]; affectedRows: number | undefined }
  | { id: number; error: { message: string; fields: Record<string, unknown> } };

/**
 * The database error's own fields (code, detail, constraint, …) travel with its message; not PGlite's
 * `query`, the whole SQL text (tens of KB for a cohort's chunk), which pg's errors do not carry either.
 */
function fieldsOf(error: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (error && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (key === 'query') continue;
      if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    }
  }
  return fields;
}

const { dataDir } = workerData as { dataDir: string | undefined };
/**
 * PostgreSQL's default 128 MB of shared buffers is most of an embedded instance's memory (the
 * WebAssembly heap never shrinks): 16 MB holds a small institution's working set, and pages beyond
 * it come from the operating system's file cache. docs/performance.md has the figures.
 */
const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'wal_buffers=1MB', '-c', 'temp_buffers=1MB'];
const pglite = new PGlite({ dataDir, startParams });
const port = parentPort!;
/** A cohort's statements and rows go back once the database is quiet (src/memory.ts). */
const memory = releaseMemoryWhenQuiet();

/**
 * Statements that read or write rows are prepared once per SQL text and then only bound and
 * executed (PGlite's query() parses, describes and plans every time). After a few executions
 * PostgreSQL keeps a generic plan where it costs no more than planning anew, as it does for any
 * client's prepared statements: planning the one-statement credential write (five CTEs) was the
 * largest part of its time here. Kysely gives the same text for the same query shape, so the cache
 * stays small; the least recently used are closed past MAX_PREPARED statements or MAX_CACHED_CHARS
 * of SQL text in all. A plan's memory grows with its text (a cohort's 500-row chunk, 125 KB of SQL,
 * holds ~2.7 MB), hence the budget in characters: it keeps the chunk a cohort repeats (each full
 * chunk has the same text) and a few others, never dozens.
 */
const MAX_PREPARED = 200;
const MAX_CACHED_CHARS = 400_000;
const CACHED = /^\s*(select|insert|update|delete|with)\b/i;
const RESULT_TYPE_CHANGED = '0A000'; // "cached plan must not change result type", after DDL
const { serialize } = protocol;

interface Prepared {
  name: string;
  parameterTypes: number[];
}
const prepared = new Map<string, Prepared>();
let preparedChars = 0;
let statementCount = 0;

function concat(messages: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
}

// PGlite's own serialisers and parsers by type OID, as its query() uses them.
const { serializers, parsers } = pglite as unknown as { serializers: Record<number, (v: unknown) => string>; parsers: Record<number, unknown> };

async function closeStatement(name: string): Promise<void> {
  await pglite.execProtocolStream(concat([serialize.close({ type: 'S', name }), serialize.sync()]));
}

async function prepare(sql: string): Promise<Prepared> {
  const name = `ieum_${++statementCount}`;
  // Parse, describe and sync in one exchange; an error (a syntax error, say) leaves nothing prepared.
  const messages = await pglite.execProtocolStream(concat([serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()]));
  const description = messages.find((m) => m.name === 'parameterDescription') as { dataTypeIDs: number[] } | undefined;
  const statement = { name, parameterTypes: description?.dataTypeIDs ?? [] };
  prepared.set(sql, statement);
  preparedChars += sql.length;
  while (prepared.size > MAX_PREPARED || preparedChars > MAX_CACHED_CHARS) {
    const [oldestSql, oldest] = prepared.entries().next().value!;
    forget(oldestSql);
    await closeStatement(oldest.name);
  }
  return statement;
}

function forget(sql: string): void {
  if (prepared.delete(sql)) preparedChars -= sql.length;
}

/** What follows every Bind: describe the portal, execute it, sync. The same bytes each time. */
const AFTER_BIND = concat([serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);

/**
 * Bind (all parameters as text, or NULL), describe the portal, execute, sync: one buffer, sized
 * first. PGlite's own serialiser grows its buffer as it goes, which cost a cohort's chunk (~1 MB of
 * parameters) about 10 ms, a sixth of the statement's time.
 */
function bindAndExecute(statement: string, values: readonly (string | null)[]): Uint8Array {
  const lengths = values.map((v) => (v === null ? -1 : Buffer.byteLength(v)));
  const nameBytes = Buffer.byteLength(statement);
  const bindLength = 4 + 1 + nameBytes + 1 + 2 + 2 + lengths.reduce((n, l) => n + 4 + Math.max(l, 0), 0) + 2;
  const out = Buffer.allocUnsafe(1 + bindLength + AFTER_BIND.length);
  let at = out.writeUInt8(66, 0); // B
  at = out.writeInt32BE(bindLength, at);
  at = out.writeUInt8(0, at); // unnamed portal
  at += out.write(statement, at);
  at = out.writeUInt8(0, at);
  at = out.writeInt16BE(0, at); // every parameter in text format
  at = out.writeInt16BE(values.length, at);
  values.forEach((v, i) => {
    at = out.writeInt32BE(lengths[i]!, at);
    if (v !== null) at += out.write(v, at);
  });
  at = out.writeInt16BE(0, at); // every result column in text format
  out.set(AFTER_BIND, at);
  return out;
}

async function execute(statement: Prepared, parameters: readonly unknown[]) {
  const values = parameters.map((value, i) => {
    if (value === null || value === undefined) return null;
    const serializer = serializers[statement.parameterTypes[i]!];
    return serializer ? serializer(value) : String(value);
  });
  const messages = await pglite.execProtocolStream(bindAndExecute(statement.name, values));
  await pglite.syncToFs();
  return parse.parseResults(messages, parsers as never, { rowMode: 'object' })[0]!;
}

async function query(sql: string, parameters: readonly unknown[]) {
  if (sql.length > MAX_CACHED_CHARS || !CACHED.test(sql)) return pglite.query(sql, parameters as unknown[], { rowMode: 'object' });
  return pglite.runExclusive(async () => {
    let statement = prepared.get(sql);
    if (statement) {
      // Most recently used last, so the oldest is the first to go.
      prepared.delete(sql);
      prepared.set(sql, statement);
    } else {
      statement = await prepare(sql);
    }
    try {
      return await execute(statement, parameters);
    } catch (error) {
      if ((error as { code?: string }).code !== RESULT_TYPE_CHANGED) throw error;
      // A table changed shape since the statement was prepared: prepare it again, once.
      forget(sql);
      await closeStatement(statement.name);
      return execute(await prepare(sql), parameters);
    }
  });
}

// Statements run one after another in the order they arrive; PGlite queues them itself as well.
port.on('message', async (message: QueryMessage | 'close') => {
  if (message === 'close') {
    // Closing the port lets the thread end once PGlite has written and closed its files.
    await pglite.close();
    memory.stop();
    port.close();
    return;
  }
  memory.busy();
  let reply: ReplyMessage;
  try {
    const result = await query(message.sql, message.parameters);
    reply = { id: message.id, rows: result.rows, affectedRows: result.affectedRows };
  } catch (error) {
    reply = { id: message.id, error: { message: (error as Error).message ?? String(error), fields: fieldsOf(error) } };
  }
  port.postMessage(reply);
});

pglite.waitReady.then(
  () => port.postMessage('ready'),
  (error: Error) => port.postMessage({ id: 0, error: { message: `PGlite did not start: ${error.message}`, fields: {} } }),
);
