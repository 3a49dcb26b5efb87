/**
 * The embedded database's thread (pglite-worker.ts), and the lock on its data directory. Nothing
 * here loads Kysely: the service starts this thread first thing, so that opening PGlite (the
 * longest step of a start) runs while everything else loads (src/main.ts). The Kysely dialect on
 * top of it is pglite-thread.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { QueryResult } from 'kysely';
import type { QueryMessage, ReplyMessage } from './pglite-worker.js';

/** The database thread, and the statements sent to it still waiting for their answer. */
export class DatabaseThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(result: QueryResult<unknown>): void; reject(error: Error): void }>();
  #nextId = 1;
  #failure: Error | undefined;
  readonly ready: Promise<void>;
  readonly #exited: Promise<void>;

  constructor(dataDir: string | undefined) {
    // Built (dist/) the worker is JavaScript beside this module; from the sources (tsx, vitest) a
    // plain-JavaScript entry loads the TypeScript through tsx.
    const fromSource = import.meta.url.endsWith('.ts');
    this.#worker = new Worker(new URL(fromSource ? './pglite-worker-entry.cjs' : './pglite-worker.js', import.meta.url), {
      workerData: { dataDir },
      execArgv: fromSource ? ['--import', 'tsx'] : [],
    });
    let started: () => void = () => {};
    let failedToStart: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      started = resolve;
      failedToStart = reject;
    });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('message', (message: ReplyMessage | 'ready') => {
      if (message === 'ready') return started();
      if (message.id === 0 && 'error' in message) return failedToStart(new Error(message.error.message));
      const waiting = this.#pending.get(message.id);
      if (!waiting) return;
      this.#pending.delete(message.id);
      if ('error' in message) waiting.reject(Object.assign(new Error(message.error.message), message.error.fields));
      else waiting.resolve({ rows: message.rows, numAffectedRows: message.affectedRows === undefined ? undefined : BigInt(message.affectedRows) });
    });
    const fail = (error: Error) => {
      // The same words as a closed PGlite, so callers see the database as unavailable (503).
      this.#failure = new Error(`PGlite is closed: ${error.message}`);
      failedToStart(this.#failure);
      for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the database thread exited (${code})`)));
  }

  query(sql: string, parameters: readonly unknown[]): Promise<QueryResult<unknown>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const message: QueryMessage = { id, sql, parameters };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    if (this.#failure) return;
    // The thread closes PGlite and ends by itself; one that does not is stopped.
    this.#worker.postMessage('close');
    const timer = setTimeout(() => void this.#worker.terminate(), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

/**
 * A new embedded database is created by a short-lived process (pglite-create.cjs): creating it
 * (initdb) takes ~4 times the memory that opening it does, and only an ended process returns all
 * of it (a thread's WebAssembly heap and allocator arenas stay with the process: 420 MiB at start
 * instead of 310).
 */
async function createDatabaseFolder(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./pglite-create.cjs', import.meta.url)), dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(stderr.trim() || `creating the database in ${dataDir} failed (${code})`);
}

/** Where the embedded database lives in the service's data directory (DATA_DIR). */
export const pgliteDir = (dataDir: string) => path.resolve(dataDir, 'pglite');

/** How many databases of this process hold each data directory's lock. */
const held = new Map<string, number>();

/**
 * One process at a time on an embedded database: PGlite has no shared memory or lock of its own
 * between processes, and two writing one folder corrupt it. `<dataDir>.lock` holds the process id;
 * one left by a process that died (kill -9) is taken over. The operations commands (`ieum backup`,
 * `ieum db export`…) meet this lock when the service runs on the folder.
 */
function lockDataDir(dataDir: string): void {
  const lock = `${dataDir}.lock`;
  const count = held.get(lock) ?? 0;
  if (count > 0) {
    held.set(lock, count + 1);
    return;
  }
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processIsAlive(pid)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${pid} (a running Ieum): stop it first (if no Ieum runs there, delete ${lock})`,
        );
      }
      rmSync(lock, { force: true });
    }
  }
  held.set(lock, 1);
}

/** The id of another live process that holds the embedded database in `dataDir`, if one does. */
export function dataDirHolder(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(`${dataDir}.lock`, 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processIsAlive(pid) ? pid : undefined;
}

function unlockDataDir(dataDir: string): void {
  const lock = `${dataDir}.lock`;
  const count = held.get(lock) ?? 0;
  if (count === 0) return; // never taken (another process holds it): not ours to remove
  if (count > 1) return void held.set(lock, count - 1);
  held.delete(lock);
  rmSync(lock, { force: true });
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Locks `dataDir` (absent: in memory), creates the database there if it is new, and starts its
 * thread; settles when PGlite answers. The lock is the caller's to release (`releaseDataDir`),
 * whether this succeeds or not.
 */
export async function startDatabaseThread(dataDir: string | undefined): Promise<DatabaseThread> {
  if (dataDir) lockDataDir(dataDir);
  if (dataDir && !existsSync(path.join(dataDir, 'PG_VERSION'))) await createDatabaseFolder(dataDir);
  const thread = new DatabaseThread(dataDir);
  await thread.ready;
  return thread;
}

/** Closes the thread, if it started, and releases the data directory's lock. */
export async function stopDatabaseThread(dataDir: string | undefined, thread: Promise<DatabaseThread> | undefined): Promise<void> {
  await (await thread?.catch(() => undefined))?.close();
  if (dataDir) unlockDataDir(dataDir);
}
