/**
 * `ieum hours record`: training sessions from a CSV, one POST /v1/training-hours per row, in file
 * order (a learner's running total, and the credential when it reaches requiredHours, follow the rows).
 */
import { readCsvFile, type CsvRow } from './csv.js';
import { ConnectionError, ProblemError, UsageError, describeProblem, describeRowError } from './errors.js';
import { createProgress } from './progress.js';
import { createRowRunner, plural, resultsPath, withRetries } from './row-runner.js';
import { requiredString, uuidValue, type Context, type Values } from './context.js';

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

/** A session has no Idempotency-Key: try again only where nothing can have been recorded (429 aside). */
const retriable = (error: unknown) => error instanceof ConnectionError && error.notSent;

export async function hoursRecord(ctx: Context, values: Values): Promise<number> {
  const csvPath = requiredString(values, 'csv');
  const outPath = resultsPath(values, csvPath);
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
  const counts = { recorded: 0, failed: 0, credentials: 0 };
  ctx.err(`Recording ${plural(rows.length, 'session')} from ${csvPath}, at ${client.origin}`);
  const progress = createProgress(
    ctx.stderr,
    'Recording {bar} {percentage}% | {value}/{total} sessions | {recorded} recorded, {failed} failed, {credentials} credentials issued',
    rows.length,
    counts,
  );

  const runner = createRowRunner<RowResult>({
    ctx,
    rows,
    outPath,
    progress,
    notReached: 'not sent',
    // An 'unknown' row may or may not have been recorded: it needs the same look as a failed one.
    isFailure: (r) => r.outcome === 'failed' || r.outcome === 'unknown',
    columns: HOURS_RESULT_COLUMNS,
    line: (row, r) => {
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
    },
    sentAny: (all) => all.some((r) => r.outcome !== 'not sent'),
    summary: ({ failed, notReached, where }) =>
      `${plural(rows.length, 'session')}: ${counts.recorded} recorded, ${failed} failed${notReached > 0 ? `, ${notReached} not sent` : ''}; ` +
      `${plural(counts.credentials, 'credential')} issued${where}`,
    // Without an Idempotency-Key, running the file again would record its sessions twice.
    whenStopped: (sent) =>
      sent
        ? 'Do not run this file again as it is: the sessions already recorded would be recorded twice. ' +
          'Send only the rows marked "not sent" (and check any marked "unknown") in a new file.'
        : undefined,
  });
  const results = runner.results;

  let inFlight: number | undefined;
  // Ctrl-C while a row's request is on its way: it may or may not have been recorded.
  const interrupted = () => {
    if (inFlight !== undefined && !results[inFlight]) {
      results[inFlight] = {
        outcome: 'unknown',
        error: "unknown: interrupted while the request was on its way; check the learner's hours before sending it again",
      };
    }
  };

  return runner.run(async () => {
    for (const [i, row] of rows.entries()) {
      const body = bodyOf(row);
      if (!body.achievementId) {
        results[i] = { outcome: 'failed', error: 'achievementId: empty (fill the column or pass --achievement)' };
        counts.failed++;
      } else {
        try {
          inFlight = i;
          const answer = await withRetries(() => client.request<HoursAnswer>({ method: 'POST', path: 'v1/training-hours', json: body }), retriable);
          results[i] = { outcome: 'recorded', answer: answer.body };
          counts.recorded++;
          if (answer.body.credential?.issuedNow) counts.credentials++;
        } catch (error) {
          if (
            error instanceof ProblemError &&
            error.status >= 400 &&
            error.status < 500 &&
            error.status !== 401 &&
            error.status !== 403 &&
            error.status !== 429
          ) {
            results[i] = { outcome: 'failed', error: describeRowError(error.problem) };
            counts.failed++;
          } else if (error instanceof ProblemError) {
            // 401/403: every row would fail; 5xx: the session was not recorded, but the service is unwell.
            results[i] = { outcome: 'failed', error: `not recorded: ${describeProblem(error.problem)}` };
            return `row ${row.row} (line ${row.line}): ${describeProblem(error.problem)}`;
          } else if (error instanceof ConnectionError) {
            results[i] = error.notSent
              ? { outcome: 'not sent', error: `not sent: ${error.message}` }
              : { outcome: 'unknown', error: `unknown: the request did not complete (${error.message}); check the learner's hours before sending it again` };
            return `row ${row.row} (line ${row.line}): ${error.message}`;
          } else {
            throw error;
          }
        }
      }
      progress.update(i + 1, counts);
    }
    return undefined;
  }, interrupted);
}
