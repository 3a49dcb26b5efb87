/**
 * What `ieum issue` and `ieum hours record` share: retries, the result CSV (one line per data row of
 * the input, next to it by default), and the end of a run: the summary, the failed rows, and what
 * was not done when the run stopped early or was interrupted. What to send, and what a failure
 * means, stays with each command.
 */
import { resolve } from 'node:path';
import { writeResultCsv, type CsvRow } from './csv.js';
import { EXIT, ProblemError, UsageError } from './errors.js';
import { onInterrupt, sleep } from './signals.js';
import { stringValue, type Context, type Values } from './context.js';

/** Waits before the 2nd, 3rd and 4th attempt. */
const RETRY_DELAYS_MS = [1_000, 3_000, 9_000];
/** A 429 asks us to slow down, so at least this long before the next attempt. */
const TOO_MANY_REQUESTS_WAIT_MS = 30_000;

/**
 * Tries a request up to four times. A 429 is always tried again (the service turned the request
 * away, so nothing happened); any other error only when `retriable` says another attempt is safe.
 */
export async function withRetries<T>(attempt: () => Promise<T>, retriable: (error: unknown) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const tooMany = error instanceof ProblemError && error.status === 429;
      if (!(tooMany || retriable(error)) || i >= RETRY_DELAYS_MS.length) throw error;
      await sleep(tooMany ? Math.max(TOO_MANY_REQUESTS_WAIT_MS, RETRY_DELAYS_MS[i]!) : RETRY_DELAYS_MS[i]!);
    }
  }
}

/** --out, else the input with .results.csv in place of .csv; never the input itself. */
export function resultsPath(values: Values, csvPath: string): string {
  const outPath = stringValue(values, 'out') ?? `${csvPath.replace(/\.csv$/i, '')}.results.csv`;
  if (resolve(outPath) === resolve(csvPath)) throw new UsageError('--out must not be the input file');
  return outPath;
}

export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A row's result: the command's own outcomes and fields, and the text of the file's error column. */
export interface RowResult {
  outcome: string;
  error?: string;
}

export interface RowRunnerOptions<R extends RowResult> {
  ctx: Context;
  rows: CsvRow[];
  outPath: string;
  progress: { stop(): void };
  /** The outcome of the rows the run did not get to ('not done', 'not sent'). */
  notReached: R['outcome'];
  /** The rows counted as failed and listed under the summary. */
  isFailure(result: R): boolean;
  /** The result file's header, and its line for a data row. */
  columns: string[];
  line(row: CsvRow, result: R): (string | number)[];
  /** Whether this run got anything to the service; asked once every row has a result. */
  sentAny(results: R[]): boolean;
  /** The summary line on stdout; `where` is "; results in FILE" when the file was written. */
  summary(tally: { failed: number; notReached: number; where: string }): string;
  /** Said after "stopped: …", if anything: what to do about the rows not done. */
  whenStopped(sentAny: boolean): string | undefined;
  /** Said after a run to the end with failed rows: how to send them again. */
  whenFailed?: string;
}

export interface RowRunner<R extends RowResult> {
  /** By row index; a row still without a result when the run ends was not reached. */
  readonly results: (R | undefined)[];
  /**
   * Runs `loop`, which returns why it stopped early (if it did), then writes the results and the
   * summary and returns the exit code. On Ctrl-C the same happens at once, after `interrupted`, and
   * the process ends with 130.
   */
  run(loop: () => Promise<string | undefined>, interrupted?: () => void): Promise<number>;
}

export function createRowRunner<R extends RowResult>(options: RowRunnerOptions<R>): RowRunner<R> {
  const { ctx, rows, outPath, notReached } = options;
  const results = new Array<R | undefined>(rows.length);

  const finish = (reason?: string): number => {
    options.progress.stop();
    for (let i = 0; i < rows.length; i++) {
      // A bare outcome and error is a result of any command: their other fields are optional.
      if (!results[i]) results[i] = { outcome: notReached, error: `${notReached}: ${reason ?? 'the run stopped'}` } as R;
    }
    const all = results as R[];
    const sentAny = options.sentAny(all);
    // A run that stopped before sending anything leaves an earlier result file as it was.
    const written = sentAny || !reason;
    if (written)
      writeResultCsv(
        outPath,
        options.columns,
        rows.map((row, i) => options.line(row, all[i]!)),
      );

    const failed = rows.map((row, i) => ({ row, result: all[i]! })).filter(({ result }) => options.isFailure(result));
    const notReachedCount = all.filter((r) => r.outcome === notReached).length;
    ctx.out(options.summary({ failed: failed.length, notReached: notReachedCount, where: written ? `; results in ${outPath}` : '' }));
    for (const { row, result } of failed.slice(0, 10)) ctx.err(`  row ${row.row} (line ${row.line}): ${result.error}`);
    if (failed.length > 10) ctx.err(`  … and ${failed.length - 10} more in ${outPath}`);

    if (reason) {
      ctx.err(`ieum: stopped: ${reason}`);
      const advice = options.whenStopped(sentAny);
      if (advice) ctx.err(advice);
      return EXIT.usage;
    }
    if (failed.length > 0) {
      if (options.whenFailed) ctx.err(options.whenFailed);
      return EXIT.refused;
    }
    return EXIT.ok;
  };

  return {
    results,
    async run(loop, interrupted) {
      // Ctrl-C: say what is known and write it before the process ends.
      const dispose = onInterrupt(() => {
        interrupted?.();
        finish('interrupted');
        process.exit(130);
      });
      let stopped: string | undefined;
      try {
        stopped = await loop();
      } finally {
        dispose();
      }
      return finish(stopped);
    },
  };
}
