/**
 * Reading the institution's CSV once (csv-parse: BOM, quotes, multi-line fields, empty lines) into
 * data rows that remember where they came from, and writing CSV back (csv-stringify).
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from './errors.js';

export interface CsvRow {
  /** Data row number, from 1 (empty lines and the header do not count). */
  row: number;
  /** Line in the file where the row starts, from 1. */
  line: number;
  values: string[];
}

export interface CsvFile {
  path: string;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
  header: string[];
  rows: CsvRow[];
}

const LF = 0x0a;
const CR = 0x0d;
const isBlank = (byte: number) => byte === 0x20 || byte === 0x09 || byte === LF || byte === CR;

/**
 * Counts lines over a buffer as offsets grow: CRLF, LF and a lone CR each end a line.
 * (csv-parse's own `info.lines` counts a CRLF inside a quoted field twice, so it is not used.)
 */
function lineCounter(buf: Buffer) {
  let at = 0;
  let line = 1;
  return (offset: number): number => {
    for (; at < offset && at < buf.length; at++) {
      const byte = buf[at];
      if (byte === LF || (byte === CR && buf[at + 1] !== LF)) line++;
    }
    return line;
  };
}

export function readCsvFile(path: string, what = 'CSV file'): CsvFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read the ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}`,
    );
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new UsageError(
      `${path} is not UTF-8 text. Excel's "CSV (comma delimited)" saves CP949/EUC-KR on a Korean Windows: save it as "CSV UTF-8 (comma delimited)" and try again`,
    );
  }

  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(buf, { bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false }) as unknown as typeof records;
  } catch (error) {
    throw new UsageError(`${path} cannot be read as CSV: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new UsageError(`${path} is empty: it needs a header row and at least one data row`);

  const header = records[0]!.record;
  const blankColumn = header.findIndex((h) => h === '');
  if (blankColumn >= 0) throw new UsageError(`${path}: column ${blankColumn + 1} of the header row has no name`);
  const twice = header.find((h, i) => header.indexOf(h) !== i);
  if (twice) throw new UsageError(`${path}: the column "${twice}" appears twice in the header row`);

  const lineAt = lineCounter(buf);
  const rows: CsvRow[] = [];
  let end = records[0]!.info.bytes;
  for (const { record, info } of records.slice(1)) {
    let start = end;
    while (start < info.bytes && isBlank(buf[start]!)) start++;
    end = info.bytes;
    // A row of empty cells (",,,", as spreadsheets export blank rows) is an empty line too.
    if (record.every((value) => value === '')) continue;
    rows.push({ row: rows.length + 1, line: lineAt(start), values: record });
  }
  if (rows.length === 0) throw new UsageError(`${path} has a header row but no data rows`);
  return { path, sha256: createHash('sha256').update(buf).digest('hex'), header, rows };
}

/** CSV text of a header and rows, as sent to the service (no BOM, values untouched). */
export function toCsv(header: string[], rows: string[][]): string {
  return stringify([header, ...rows]);
}

/**
 * Writes a result file: UTF-8 with a BOM so that Excel shows Korean text correctly, and cells that
 * a spreadsheet would run as formulas prefixed with '. Written to a temporary file, then renamed.
 */
export function writeResultCsv(path: string, header: string[], rows: (string | number)[][]): void {
  const text = stringify([header, ...rows], { bom: true, escape_formulas: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    throw new UsageError(`cannot write the results to ${path}: ${(error as Error).message}`);
  }
}
