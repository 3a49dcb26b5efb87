/**
 * The backup file (`ieum db export`, `ieum backup`): gzip of UTF-8 lines,
 *
 *   H {header: format, version, schema version, counts…}
 *   T {"table":"issuers","rows":2}
 *   R <the row as PostgreSQL's row_to_json text>       (rows lines follow their T line)
 *   B <the same, base64>                               (a row whose text holds a line break)
 *   …
 *   E {"sha256":"<hex of every byte before this line>","rows":1234}
 *
 * The last line's checksum tells a truncated file (no E line, or gzip's own end missing) and a
 * changed byte (another checksum) before anything is written. It is a checksum, not a signature:
 * keep backups where only the operator can write. The file never holds the key-encryption key;
 * private keys are in it sealed under that key, as they are in the database.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, pipeline as pipelineStreams } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Refusal } from './refusal.js';

export const FORMAT = 'ieum-backup';
export const FORMAT_VERSION = 1;

export interface BackupHeader {
  format: typeof FORMAT;
  formatVersion: number;
  /** `export` (the service stopped: a move) or `backup` (taken while it may run). */
  kind: 'export' | 'backup';
  createdAt: string;
  engine: 'pglite' | 'postgresql';
  /** PUBLIC_URL of the service that wrote it: ids, DIDs and status URLs are made from it. */
  publicUrl: string;
  /** The last migration the database had run. */
  schemaVersion: string;
  migrations: string[];
  /** Rows per table, in the order they are written (parents first). */
  counts: Record<string, number>;
  /** Credentials per institution (slug), for the operator's eye. */
  institutions: Record<string, number>;
}

export type BackupLine =
  | { type: 'header'; header: BackupHeader }
  | { type: 'table'; table: string; rows: number }
  | { type: 'row'; text: string }
  | { type: 'end'; sha256: string; rows: number };

/** A row's line: as it is, or in base64 when its text holds a line break (a json column's own whitespace). */
export const rowLine = (row: string) => (/[\r\n]/.test(row) ? `B ${Buffer.from(row, 'utf8').toString('base64')}` : `R ${row}`);

/** The file's bytes, gzipped: the lines given, then the last line with their checksum. */
export function encodeBackup(lines: AsyncIterable<string>): Readable {
  const hash = createHash('sha256');
  let rows = 0;
  async function* content() {
    for await (const line of lines) {
      if (line.startsWith('R ') || line.startsWith('B ')) rows++;
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      hash.update(bytes);
      yield bytes;
    }
    yield Buffer.from(`E ${JSON.stringify({ sha256: hash.digest('hex'), rows })}\n`, 'utf8');
  }
  // pipeline, not pipe: an error of the source (its transaction ended because the reader went away)
  // must reach the gzip stream's reader, not be thrown as an unheard 'error' event.
  return pipelineStreams(Readable.from(content()), createGzip(), () => {});
}

/**
 * Writes `out` whole or not at all: a temporary file beside it, synced, then linked into place.
 * With `check`, the file is read back and checked first (bytes that came over the network).
 */
export async function writeBackupFile(
  out: string,
  bytes: Readable | AsyncIterable<Buffer>,
  check = false,
): Promise<{ bytes: number; checked?: CheckedBackup }> {
  const target = path.resolve(out);
  if (await exists(target)) throw new Refusal(`${out} already exists: choose a new file name (a backup is never overwritten)`);
  const partial = `${target}.partial`;
  await fs.mkdir(path.dirname(target), { recursive: true });
  let checked: CheckedBackup | undefined;
  try {
    await pipeline(bytes, createWriteStream(partial, { mode: 0o600 }));
    const handle = await fs.open(partial, 'r+');
    await handle.sync();
    await handle.close();
    if (check) checked = await checkBackupFile(partial);
    // link() fails when `out` appeared meanwhile: never overwrite, even then.
    await fs.link(partial, target);
  } catch (error) {
    await fs.rm(partial, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Refusal(`${out} already exists: choose a new file name`);
    if (error instanceof Refusal) throw new Refusal(error.message.replaceAll(partial, out));
    throw error;
  }
  await fs.rm(partial, { force: true });
  const dir = await fs.open(path.dirname(target), 'r');
  await dir.sync().catch(() => {});
  await dir.close();
  return { bytes: (await fs.stat(target)).size, ...(checked ? { checked } : {}) };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** The file's lines, raw, with the running checksum of the bytes before each. */
async function* rawLines(file: string): AsyncGenerator<{ line: Buffer; hashBefore: () => string; hash: Hash }> {
  const hash = createHash('sha256');
  const gunzip = createGunzip();
  const input = createReadStream(file);
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let pending: Buffer[] = [];
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        start = nl + 1;
        yield { line, hashBefore: () => hash.copy().digest('hex'), hash };
        hash.update(line);
        hash.update('\n');
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Refusal(`${file} does not exist`);
    if (code === 'Z_BUF_ERROR' || /unexpected end/i.test((error as Error).message)) throw new Refusal(`${file} is truncated: it ends before its last line`);
    if (code?.startsWith('Z_')) throw new Refusal(`${file} is not an Ieum backup (not gzip), or it is damaged`);
    throw error;
  }
  if (pending.length > 0) throw new Refusal(`${file} is truncated: it ends in the middle of a line`);
}

function parseJson<T>(file: string, text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Refusal(`${file} is damaged: its ${what} is not readable`);
  }
}

/**
 * The file's lines, checked as they come: the header first, each table's rows as many as it says,
 * and a last line whose checksum matches. Whatever is wrong ends the reading with a Refusal, so a
 * reader that loads as it goes must roll back.
 */
export async function* readBackupFile(file: string): AsyncGenerator<BackupLine> {
  let header: BackupHeader | undefined;
  let table: { name: string; expected: number; seen: number } | undefined;
  let rows = 0;
  let ended = false;
  const tables = new Set<string>();
  const closeTable = () => {
    if (table && table.seen !== table.expected) throw new Refusal(`${file} is damaged: table ${table.name} has ${table.seen} rows, not ${table.expected}`);
  };
  for await (const { line, hashBefore } of rawLines(file)) {
    if (ended) throw new Refusal(`${file} is damaged: there is data after its last line`);
    const text = line.toString('utf8');
    const kind = text.slice(0, 2);
    if (!header) {
      if (kind !== 'H ') throw new Refusal(`${file} is not an Ieum backup`);
      header = parseJson<BackupHeader>(file, text.slice(2), 'header');
      if (header.format !== FORMAT) throw new Refusal(`${file} is not an Ieum backup`);
      if (typeof header.formatVersion !== 'number' || header.formatVersion > FORMAT_VERSION)
        throw new Refusal(`${file} was written by a newer Ieum (backup format ${header.formatVersion}): upgrade Ieum to read it`);
      yield { type: 'header', header };
      continue;
    }
    if (kind === 'R ' || kind === 'B ') {
      if (!table) throw new Refusal(`${file} is damaged: a row outside any table`);
      table.seen++;
      rows++;
      yield { type: 'row', text: kind === 'R ' ? text.slice(2) : Buffer.from(text.slice(2), 'base64').toString('utf8') };
    } else if (kind === 'T ') {
      closeTable();
      const t = parseJson<{ table: string; rows: number }>(file, text.slice(2), 'table line');
      if (typeof t.table !== 'string' || tables.has(t.table) || header.counts[t.table] !== t.rows)
        throw new Refusal(`${file} is damaged: table ${t.table} does not match its header`);
      tables.add(t.table);
      table = { name: t.table, expected: t.rows, seen: 0 };
      yield { type: 'table', table: t.table, rows: t.rows };
    } else if (kind === 'E ') {
      closeTable();
      const end = parseJson<{ sha256: string; rows: number }>(file, text.slice(2), 'last line');
      if (end.sha256 !== hashBefore()) throw new Refusal(`${file} has been changed since it was written: its checksum does not match`);
      if (end.rows !== rows || tables.size !== Object.keys(header.counts).length) throw new Refusal(`${file} is damaged: its row count does not match`);
      ended = true;
      yield { type: 'end', sha256: end.sha256, rows };
    } else {
      throw new Refusal(`${file} is damaged: a line of unknown kind`);
    }
  }
  if (!header) throw new Refusal(`${file} is empty or not an Ieum backup`);
  if (!ended) throw new Refusal(`${file} is truncated: its last line (with the checksum) is missing`);
}

export interface CheckedBackup {
  header: BackupHeader;
  sha256: string;
  rows: number;
  /** The rows of some tables, parsed (the key-encryption canary, to test the key before loading). */
  kept: Record<string, Record<string, unknown>[]>;
}

/** Reads the whole file once and checks it; keeps the rows of `keep` tables. */
export async function checkBackupFile(file: string, keep: string[] = []): Promise<CheckedBackup> {
  let header: BackupHeader | undefined;
  let current = '';
  const kept: Record<string, Record<string, unknown>[]> = {};
  for await (const item of readBackupFile(file)) {
    if (item.type === 'header') header = item.header;
    else if (item.type === 'table') current = item.table;
    else if (item.type === 'row' && keep.includes(current)) {
      kept[current] = [...(kept[current] ?? []), parseJson(file, item.text, 'row')];
    } else if (item.type === 'end') return { header: header!, sha256: item.sha256, rows: item.rows, kept };
  }
  throw new Refusal(`${file} is truncated`);
}
