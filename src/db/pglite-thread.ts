/**
 * A Kysely dialect for PGlite running in a worker thread of its own (pglite-worker.ts).
 *
 * PGlite executes PostgreSQL synchronously on the thread that calls it: in the main thread every
 * statement stops HTTP for its duration (about half of the main thread's time when issuing). Here
 * statements are messages to the database thread, answered in the order sent.
 *
 * PGlite has one session, so a transaction owns it: while one is open, statements from elsewhere
 * wait until it commits or rolls back; statements outside transactions are sent at once.
 */
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { type DatabaseThread, startDatabaseThread, stopDatabaseThread } from './database-thread.js';

class SingleSessionAdapter extends PostgresAdapter {
  override get supportsMultipleConnections(): boolean {
    return false;
  }
  // One session: the migrator already has it to itself.
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

class ThreadConnection implements DatabaseConnection {
  constructor(readonly driver: ThreadDriver) {}
  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, query.sql, query.parameters) as Promise<QueryResult<R>>;
  }
  // biome-ignore lint/correctness/useYield: the interface asks for a generator; PGlite cannot stream
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported by PGlite');
  }
}

class ThreadDriver implements Driver {
  readonly #dataDir: string | undefined;
  #started: Promise<DatabaseThread> | undefined;
  #thread: DatabaseThread | undefined;
  /** The connection whose transaction holds the session, if any. */
  #owner: ThreadConnection | undefined;
  #waiting: (() => void)[] = [];

  constructor(dataDir: string | undefined, started: Promise<DatabaseThread> | undefined) {
    this.#dataDir = dataDir;
    this.#started = started;
  }

  async init(): Promise<void> {
    this.#started ??= startDatabaseThread(this.#dataDir);
    this.#thread = await this.#started;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ThreadConnection(this);
  }

  async releaseConnection(): Promise<void> {}

  /** Waits while another connection's transaction holds the session. */
  async #turn(connection: ThreadConnection): Promise<void> {
    while (this.#owner && this.#owner !== connection) await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  async execute(connection: ThreadConnection, sql: string, parameters: readonly unknown[]): Promise<QueryResult<unknown>> {
    if (this.#owner !== connection) await this.#turn(connection);
    return this.#thread!.query(sql, parameters);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ThreadConnection;
    await this.#turn(c);
    this.#owner = c;
    try {
      await this.#thread!.query('begin', []);
    } catch (error) {
      this.#release();
      throw error;
    }
  }

  async commitTransaction(): Promise<void> {
    try {
      await this.#thread!.query('commit', []);
    } finally {
      this.#release();
    }
  }

  async rollbackTransaction(): Promise<void> {
    try {
      await this.#thread!.query('rollback', []);
    } finally {
      this.#release();
    }
  }

  #release(): void {
    this.#owner = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const wake of waiting) wake();
  }

  async destroy(): Promise<void> {
    await stopDatabaseThread(this.#dataDir, this.#started);
  }
}

/**
 * PGlite (in memory when `dataDir` is absent) behind its own thread: `started` when the caller has
 * already started it (startDatabaseThread, same `dataDir`), else started on first use.
 */
export class PGliteThreadDialect implements Dialect {
  constructor(
    private readonly dataDir: string | undefined,
    private readonly started?: Promise<DatabaseThread>,
  ) {}
  createAdapter() {
    return new SingleSessionAdapter();
  }
  createDriver() {
    return new ThreadDriver(this.dataDir, this.started);
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
