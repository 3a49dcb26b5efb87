/**
 * `ieum hours record`: training sessions from a CSV, one POST /v1/training-hours per row, in file
 * order (a learner's running total, and the credential when it reaches requiredHours, follow the rows).
 */
import { resolve } from 'node:path';
import { readCsvFile, writeResultCsv, type CsvRow } from './csv.js';
import { ConnectionError, EXIT, ProblemError, UsageError, describeProblem, describeRowError } from './errors.js';
import { createProgress } from './progress.js';
import { onInterrupt, sleep } from './signals.js';
import { requiredString, stringValue, uuidValue, type Context, type Values } from './context.js';

export const HOURS_COLUMNS = ['achievementId', 'name', 'email', 'externalId', 'hours', 'activity', 'date'];
export const HOURS_RESULT_COLUMNS = [
  'row',
  'line',
  'achievement_id',
  'name',
  'email',
  'external_id',
  'hours',
  'date',
  'session_id',
  'total_hours',
  'required_hours',
  'credential_url',
  'issued_now',
  'error',
];

interface HoursAnswer {
  session?: { id?: string };
  totalHours?: number;
  requiredHours?: number;
  credential?: { id: string; url: string; issuedNow: boolean } | null;
}

interface RowResult {
  outcome: 'recorded' | 'failed' | 'not sent' | 'unknown';
  answer?: HoursAnswer;
  error?: string;
}

/** Attempts at a request that certainly did not arrive (connection refused) or was turned away (429). */
const RETRY_DELAYS_MS = [1_000, 3_000, 9_000];

export async function hoursRecord(ctx: Context, values: Values): Promise<number> {
  const csvPath = requiredString(values, 'csv');
  const outPath = stringValue(values, 'out') ?? `${csvPath.replace(/\.csv$/i, '')}.results.csv`;
  if (resolve(outPath) === resolve(csvPath)) throw new UsageError('--out must not be the input file');
  const defaultAchievement = values.achievement !== undefined ? uuidValue(values, 'achievement') : undefined;

  const file = readCsvFile(csvPath, 'sessions CSV');
  const { header, rows } = file;
  const unknown = header.filter((column) => !HOURS_COLUMNS.includes(column));
  if (unknown.length > 0) throw new UsageError(`${csvPath}: unknown column "${unknown[0]}"; the columns are ${HOURS_COLUMNS.join(', ')}`);
  const missing = ['name', 'hours', 'activity', 'date'].filter((column) => !header.includes(column));
  if (!header.includes('achievementId') && !defaultAchievement) missing.unshift('achievementId (or --achievement)');
  if (!header.includes('email') && !header.includes('externalId')) missing.push('email or externalId');
  if (missing.length > 0) throw new UsageError(`${csvPath}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  const at = (row: CsvRow, column: string) => {
    const i = header.indexOf(column);
    return i >= 0 ? (row.values[i] ?? '').trim() : '';
  };
  const bodyOf = (row: CsvRow) => {
    const hours = at(row, 'hours');
    const learner: Record<string, string> = { name: at(row, 'name') };
    if (at(row, 'email')) learner.email = at(row, 'email');
    if (at(row, 'externalId')) learner.externalId = at(row, 'externalId');
    return {
      achievementId: at(row, 'achievementId') || defaultAchievement,
      learner,
      // A number when it reads as one; otherwise as written, for the service to name the field.
      hours: hours !== '' && Number.isFinite(Number(hours)) ? Number(hours) : hours,
      activity: at(row, 'activity'),
      date: at(row, 'date'),
    };
  };

  const client = ctx.client();
  const results = new Array<RowResult | undefined>(rows.length);
  const counts = { recorded: 0, failed: 0, credentials: 0 };
  ctx.err(`Recording ${rows.length} session${rows.length === 1 ? '' : 's'} from ${csvPath}, at ${client.origin}`);
  const progress = createProgress(
    ctx.stderr,
    'Recording {bar} {percentage}% | {value}/{total} sessions | {recorded} recorded, {failed} failed, {credentials} credentials issued',
    rows.length,
    counts,
  );

  let stopped: string | undefined;
  const finish = (reason?: string): number => {
    progress.stop();
    for (let i = 0; i < rows.length; i++) if (!results[i]) results[i] = { outcome: 'not sent', error: `not sent: ${reason ?? 'the run stopped'}` };
    const sentAny = results.some((r) => r!.outcome !== 'not sent');
    if (sentAny) {
      writeResultCsv(
        outPath,
        HOURS_RESULT_COLUMNS,
        rows.map((row, i) => {
          const r = results[i]!;
          const a = r.answer;
          return [
            row.row,
            row.line,
            at(row, 'achievementId') || defaultAchievement || '',
            at(row, 'name'),
            at(row, 'email'),
            at(row, 'externalId'),
            at(row, 'hours'),
            at(row, 'date'),
            a?.session?.id ?? '',
            a?.totalHours ?? '',
            a?.requiredHours ?? '',
            a?.credential?.url ?? '',
            a?.credential ? (a.credential.issuedNow ? 'yes' : 'no') : '',
            r.error ?? '',
          ];
        }),
      );
    }
    const failed = rows.map((row, i) => ({ row, r: results[i]! })).filter(({ r }) => r.outcome === 'failed' || r.outcome === 'unknown');
    const notSent = results.filter((r) => r!.outcome === 'not sent').length;
    ctx.out(
      `${rows.length} session${rows.length === 1 ? '' : 's'}: ${counts.recorded} recorded, ${failed.length} failed${notSent > 0 ? `, ${notSent} not sent` : ''}; ` +
        `${counts.credentials} credential${counts.credentials === 1 ? '' : 's'} issued${sentAny ? `; results in ${outPath}` : ''}`,
    );
    for (const { row, r } of failed.slice(0, 10)) ctx.err(`  row ${row.row} (line ${row.line}): ${r.error}`);
    if (failed.length > 10) ctx.err(`  … and ${failed.length - 10} more in ${outPath}`);
    if (reason) {
      ctx.err(`ieum: stopped: ${reason}`);
      if (sentAny) {
        ctx.err(
          'Do not run this file again as it is: the sessions already recorded would be recorded twice. ' +
            'Send only the rows marked "not sent" (and check any marked "unknown") in a new file.',
        );
      }
      return EXIT.usage;
    }
    return failed.length > 0 ? EXIT.refused : EXIT.ok;
  };

  let inFlight: number | undefined;
  const dispose = onInterrupt(() => {
    if (inFlight !== undefined && !results[inFlight]) {
      results[inFlight] = { outcome: 'unknown', error: "unknown: interrupted while the request was on its way; check the learner's hours before sending it again" };
    }
    finish('interrupted');
    process.exit(130);
  });
  try {
    for (const [i, row] of rows.entries()) {
      const body = bodyOf(row);
      if (!body.achievementId) {
        results[i] = { outcome: 'failed', error: 'achievementId: empty (fill the column or pass --achievement)' };
        counts.failed++;
      } else {
        try {
          inFlight = i;
          const answer = await withRetries(() => client.request<HoursAnswer>({ method: 'POST', path: 'v1/training-hours', json: body }));
          results[i] = { outcome: 'recorded', answer: answer.body };
          counts.recorded++;
          if (answer.body.credential?.issuedNow) counts.credentials++;
        } catch (error) {
          if (error instanceof ProblemError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403 && error.status !== 429) {
            results[i] = { outcome: 'failed', error: describeRowError(error.problem) };
            counts.failed++;
          } else if (error instanceof ProblemError) {
            // 401/403: every row would fail; 5xx: the session was not recorded, but the service is unwell.
            results[i] = { outcome: 'failed', error: `not recorded: ${describeProblem(error.problem)}` };
            stopped = `row ${row.row} (line ${row.line}): ${describeProblem(error.problem)}`;
            break;
          } else if (error instanceof ConnectionError) {
            results[i] = error.notSent
              ? { outcome: 'not sent', error: `not sent: ${error.message}` }
              : { outcome: 'unknown', error: `unknown: the request did not complete (${error.message}); check the learner's hours before sending it again` };
            stopped = `row ${row.row} (line ${row.line}): ${error.message}`;
            break;
          } else {
            throw error;
          }
        }
      }
      progress.update(i + 1, counts);
    }
  } finally {
    dispose();
  }
  return finish(stopped);
}

/** Only where nothing can have been recorded: the connection was refused, or the service said 429. */
async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const again = (error instanceof ConnectionError && error.notSent) || (error instanceof ProblemError && error.status === 429);
      if (!again || i >= RETRY_DELAYS_MS.length) throw error;
      await sleep(error instanceof ProblemError ? Math.max(30_000, RETRY_DELAYS_MS[i]!) : RETRY_DELAYS_MS[i]!);
    }
  }
}
