/**
 * `ieum issue`: a cohort CSV issued in chunks through POST /v1/credentials/batch, with a progress bar,
 * an Idempotency-Key per chunk (so running the same command again issues nothing twice), and a result
 * CSV with one line per data row of the input.
 */
import { readCsvFile, toCsv, type CsvRow } from './csv.js';
import { ConnectionError, ProblemError, UsageError, describeProblem, describeRowError } from './errors.js';
import { createProgress } from './progress.js';
import { createRowRunner, plural, resultsPath, withRetries } from './row-runner.js';
import { stringValue, requiredString, uuidValue, type Context, type Values } from './context.js';

export const RESULT_COLUMNS = ['row', 'line', 'name', 'email', 'credential_url', 'error'];

/** The service takes up to 10,000 rows per request. */
const MAX_CHUNK = 10_000;
const DEFAULT_CHUNK = 500;
/** A chunk is signed on the server's worker pool; 500 rows take seconds, a slow server more. */
const CHUNK_TIMEOUT_MS = 10 * 60_000;

interface BatchAnswer {
  results: { index: number; id?: string; url?: string; replayed?: boolean; error?: { field?: string; detail?: string } }[];
}

interface RowResult {
  url?: string;
  error?: string;
  outcome: 'issued' | 'replayed' | 'failed' | 'not done';
}

/** Same learner as the service decides it within one batch: e-mail first, else external id, else DID. */
function identityOf(header: string[], values: string[]): { key: string; label: string } | undefined {
  const get = (column: string) => {
    const i = header.indexOf(column);
    return i >= 0 ? (values[i] ?? '').trim() : '';
  };
  const email = get('email');
  if (email) return { key: `email:${email.toLowerCase()}`, label: 'e-mail' };
  const externalId = get('externalId');
  if (externalId) return { key: `ext:${externalId}`, label: 'externalId' };
  const did = get('did');
  if (did) return { key: `did:${did}`, label: 'DID' };
  return undefined;
}

function chunkSize(values: Values): number {
  const raw = stringValue(values, 'chunk');
  if (raw === undefined) return DEFAULT_CHUNK;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CHUNK) throw new UsageError(`--chunk must be a whole number from 1 to ${MAX_CHUNK}, not "${raw}"`);
  return n;
}

/** The Idempotency-Key makes another attempt at a chunk safe, whatever became of the first. */
const retriable = (error: unknown) => error instanceof ConnectionError || (error instanceof ProblemError && error.status >= 500);

export async function issue(ctx: Context, values: Values): Promise<number> {
  const achievementId = uuidValue(values, 'achievement');
  const csvPath = requiredString(values, 'csv');
  const size = chunkSize(values);
  const outPath = resultsPath(values, csvPath);

  const file = readCsvFile(csvPath, 'cohort CSV');
  const { header, rows } = file;
  const at = (row: CsvRow, column: string) => {
    const i = header.indexOf(column);
    return i >= 0 ? (row.values[i] ?? '') : '';
  };

  // Checks the token and the achievement before the first row is sent.
  const client = ctx.client();
  let achievementName: string;
  try {
    achievementName = (await client.request<{ name: string }>({ method: 'GET', path: `v1/achievements/${achievementId}` })).body.name;
  } catch (error) {
    if (error instanceof ProblemError) {
      throw new UsageError(error.status === 404 ? `achievement ${achievementId} was not found for this institution [HTTP 404]` : error.message);
    }
    throw error;
  }

  const counts = { issued: 0, replayed: 0, failed: 0 };
  const chunks = Math.ceil(rows.length / size);
  ctx.err(`Issuing ${plural(rows.length, 'row')} of ${csvPath} as "${achievementName}" in ${plural(chunks, 'chunk')} of up to ${size}, at ${client.origin}`);
  const progress = createProgress(
    ctx.stderr,
    'Issuing  {bar} {percentage}% | {value}/{total} rows | {issued} issued, {replayed} replayed, {failed} failed | ETA {eta_formatted}',
    rows.length,
    counts,
  );

  // Set once the service has answered for a chunk: from then on, running again replays what was issued.
  let sentAny = false;
  const runner = createRowRunner<RowResult>({
    ctx,
    rows,
    outPath,
    progress,
    notReached: 'not done',
    isFailure: (result) => result.outcome === 'failed',
    columns: RESULT_COLUMNS,
    line: (row, result) => [row.row, row.line, at(row, 'name'), at(row, 'email'), result.url ?? '', result.error ?? ''],
    sentAny: () => sentAny,
    summary: ({ failed, notReached, where }) =>
      `${plural(rows.length, 'row')}: ${counts.issued} issued, ${counts.replayed} replayed (issued before), ${failed} failed` +
      `${notReached > 0 ? `, ${notReached} not done` : ''}${where}`,
    whenStopped: (sent) =>
      sent ? 'Run the same command again to finish: rows already issued come back as "replayed", none is issued twice.' : 'Nothing was issued by this run.',
    whenFailed:
      'To issue the failed rows, put them (with the header row) in a new CSV file and issue that file: ' +
      'changing this file and running it again would issue every row again.',
  });
  const results = runner.results;

  // A learner twice in the file: the service catches that within one request; across chunks, here.
  const firstOf = new Map<string, CsvRow>();
  for (const row of rows) {
    const identity = identityOf(header, row.values);
    if (!identity) continue;
    const first = firstOf.get(identity.key);
    if (first)
      results[row.row - 1] = { outcome: 'failed', error: `recipient: the same ${identity.label} as row ${first.row} (line ${first.line}) of this file` };
    else firstOf.set(identity.key, row);
  }

  return runner.run(async () => {
    let done = 0;
    for (let chunk = 0; chunk < chunks; chunk++) {
      const slice = rows.slice(chunk * size, (chunk + 1) * size);
      const toSend = slice.filter((row) => !results[row.row - 1]);
      for (const row of slice) if (results[row.row - 1]) counts.failed++;
      if (toSend.length > 0) {
        // Derived from the file, the achievement and how it is cut, so that the same command sends the
        // same key for the same rows; the service keys each row <key>:<index>.
        const key = `ieum-cli:${file.sha256}:${achievementId}:${size}:${chunk + 1}`;
        let answer: BatchAnswer;
        try {
          answer = (
            await withRetries(
              () =>
                client.request<BatchAnswer>({
                  method: 'POST',
                  path: `v1/credentials/batch?achievementId=${achievementId}`,
                  text: toCsv(
                    header,
                    toSend.map((row) => row.values),
                  ),
                  contentType: 'text/csv',
                  headers: { 'idempotency-key': key },
                  timeoutMs: CHUNK_TIMEOUT_MS,
                }),
              retriable,
            )
          ).body;
        } catch (error) {
          const which = `chunk ${chunk + 1} of ${chunks} (rows ${slice[0]!.row}–${slice.at(-1)!.row})`;
          if (error instanceof ProblemError) return `${which} was refused: ${describeProblem(error.problem)}`;
          if (error instanceof ConnectionError) return `${which}: ${error.message}`;
          throw error;
        }
        const answered = new Set<number>();
        for (const r of answer.results ?? []) {
          const row = toSend[r.index];
          if (!row || answered.has(r.index)) continue;
          answered.add(r.index);
          if (r.error || !r.url) {
            results[row.row - 1] = { outcome: 'failed', error: describeRowError(r.error ?? { detail: 'no credential in the answer' }) };
            counts.failed++;
          } else {
            results[row.row - 1] = { outcome: r.replayed ? 'replayed' : 'issued', url: r.url };
            counts[r.replayed ? 'replayed' : 'issued']++;
          }
        }
        sentAny = true;
        if (answered.size !== toSend.length) {
          return `the answer for chunk ${chunk + 1} has ${answered.size} results for ${toSend.length} rows; is IEUM_URL the Ieum service?`;
        }
      }
      done += slice.length;
      progress.update(done, counts);
    }
    return undefined;
  });
}
