/**
 * What can go wrong in the CLI, and the exit code each gives:
 *   0  done
 *   1  the server refused some or all of the work: rows that failed, or a problem answer to a single request
 *   2  the command could not run: bad arguments or file, the service cannot be reached, the token is refused,
 *      or a problem that stopped a run before its end
 */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/** Bad arguments or input file: one line, exit 2. */
export class UsageError extends Error {}

/** The service could not be reached, or its answer could not be read: exit 2. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    /** True when the request certainly never reached the service (nothing can have happened). */
    readonly notSent = false,
  ) {
    super(message);
  }
}

/** An RFC 9457 problem answer (or any non-2xx answer), kept whole. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  field?: string;
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(describeProblem(problem));
  }

  get status(): number {
    return this.problem.status;
  }
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** `detail (field: x) [HTTP 400]`: one line, naming the field when the detail does not. */
export function describeProblem(problem: Problem): string {
  const detail = oneLine(problem.detail || problem.title || 'the service refused the request');
  const field = problem.field && !detail.includes(problem.field) ? ` (field: ${problem.field})` : '';
  const hint = problem.status === 401 ? ' (check IEUM_TOKEN or --token)' : '';
  return `${detail}${field} [HTTP ${problem.status}]${hint}`;
}

/** A row's error as the batch route reports it: `field: detail` unless the detail names the field. */
export function describeRowError(error: { field?: string; detail?: string }): string {
  const detail = oneLine(error.detail ?? 'refused');
  return error.field && !detail.includes(error.field) ? `${error.field}: ${detail}` : detail;
}
