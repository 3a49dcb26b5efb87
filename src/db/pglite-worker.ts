/**
 * The embedded database's own thread: PGlite runs PostgreSQL compiled to WebAssembly, synchronously,
 * on whichever thread calls it. Here it does not share the event loop that serves HTTP; the main
 * thread sends statements in order and gets rows back (see pglite-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

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
const pglite = dataDir ? new PGlite(dataDir) : new PGlite();
const port = parentPort!;

// Statements run one after another in the order they arrive; PGlite queues them itself as well.
port.on('message', async (message: QueryMessage | 'close') => {
  if (message === 'close') {
    // Closing the port lets the thread end once PGlite has written and closed its files.
    await pglite.close();
    port.close();
    return;
  }
  let reply: ReplyMessage;
  try {
    const result = await pglite.query(message.sql, message.parameters as unknown[], { rowMode: 'object' });
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
