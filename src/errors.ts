/**
 * One error vocabulary for the whole service, rendered as RFC 9457 problem+json.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PATTERN_MEANINGS } from '../schemas/common.js';
import { InvalidInput } from './invalid-input.js';

export const PROBLEM_BASE = 'https://ieum.dev/problems/';

/** Stable error codes: the last segment of every problem `type`. */
export const ErrorCode = {
  validation: 'validation',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  credentialPrivate: 'credential-private',
  notFound: 'not-found',
  conflict: 'conflict',
  idempotencyMismatch: 'idempotency-key-reused',
  payloadTooLarge: 'payload-too-large',
  uriTooLong: 'uri-too-long',
  headersTooLarge: 'headers-too-large',
  unsupportedMediaType: 'unsupported-media-type',
  rateLimited: 'rate-limited',
  unavailable: 'service-unavailable',
  batchIncomplete: 'batch-incomplete',
  noEmailAddress: 'no-email-address',
  mailNotConfigured: 'mail-not-configured',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const TITLES: Record<ErrorCode, string> = {
  'validation': 'The request is not valid',
  'unauthorized': 'Authentication required',
  'forbidden': 'Not allowed',
  'credential-private': 'This credential is private',
  'not-found': 'Not found',
  'conflict': 'Conflict',
  'idempotency-key-reused': 'Idempotency-Key reused with a different request',
  'payload-too-large': 'Request body too large',
  'uri-too-long': 'URI too long',
  'headers-too-large': 'Request headers too large',
  'unsupported-media-type': 'Unsupported media type',
  'rate-limited': 'Too many requests',
  'service-unavailable': 'Service unavailable',
  'batch-incomplete': 'The cohort was issued only in part',
  'no-email-address': 'The learner has no e-mail address',
  'mail-not-configured': 'This service sends no mail',
  'internal': 'Internal error',
};

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    /** JSON pointer or dotted name of the field at fault, for 4xx. */
    readonly field?: string,
    /** Extension members of the problem (RFC 9457 §3.2), e.g. a cohort's rows issued before it failed. */
    readonly members?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export const badRequest = (detail: string, field?: string) => new AppError(400, ErrorCode.validation, detail, field);
export const notFound = (what: string) => new AppError(404, ErrorCode.notFound, `${what} was not found`);
export const conflict = (detail: string, field?: string) => new AppError(409, ErrorCode.conflict, detail, field);
export const unauthorized = (detail = 'Send Authorization: Bearer <token>') => new AppError(401, ErrorCode.unauthorized, detail);
export const forbidden = (detail: string) => new AppError(403, ErrorCode.forbidden, detail);
export const unavailable = (detail = 'The database is not answering; try again shortly') => new AppError(503, ErrorCode.unavailable, detail);

/**
 * The path of the first string holding U+0000, which PostgreSQL text cannot store (it would fail
 * the insert with a 500). Bodies are checked before validation, so the answer is a 400 naming it.
 */
export function findNulCharacter(value: unknown, path: string[] = [], depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || 'body' : undefined;
  if (!value || typeof value !== 'object' || depth > 100) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, 'key'].join('.');
    const found = findNulCharacter(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  field?: string;
  errors?: { field: string; message: string }[];
  /** The request's id, as in its X-Request-Id response header (src/app.ts). */
  requestId?: string;
}

export function problem(status: number, code: ErrorCode, detail: string, extra: Partial<Problem> & Record<string, unknown> = {}): Problem {
  return { type: PROBLEM_BASE + code, title: TITLES[code], status, detail, ...extra };
}

/** Turns an AJV path like `/recipient/email` or `body/recipient/email` into `recipient.email`. */
function fieldName(instancePath: string, missingProperty?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missingProperty) parts.push(missingProperty);
  return parts.join('.');
}

export interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/**
 * What each JSON Schema `format` wants, in words (Ajv's own "must match format \"date\"" names a
 * rule, not what to type). Every format any schema uses has one (test/core/errors.test.ts).
 */
export const FORMAT_MEANINGS: Record<string, string> = {
  'date': 'YYYY-MM-DD (e.g. 2026-03-01)',
  'date-time': 'an ISO 8601 date-time with its time zone (e.g. 2026-03-01T09:00:00+09:00)',
  'email': 'an e-mail address (e.g. minji@example.com)',
  'uri': 'an absolute URI (e.g. https://example.org/page)',
  'uuid': 'a UUID (e.g. 3f1c2a4e-8b0d-4c6e-9a7f-1e2d3c4b5a69)',
};

const formatWanted = (format: unknown) => FORMAT_MEANINGS[String(format)] ?? `the "${String(format)}" format`;

/** One Ajv issue in words that say what is wanted. */
function issueMessage(issue: AjvIssue): string {
  switch (issue.keyword) {
    case 'additionalProperties':
      return 'is not a known field';
    case 'required':
      return 'is required';
    case 'format':
      return `must be ${formatWanted(issue.params.format)}`;
    case 'enum': {
      const allowed = (issue.params.allowedValues as unknown[] | undefined) ?? [];
      return allowed.length > 0 ? `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : 'is not one of the allowed values';
    }
    case 'pattern':
      return PATTERN_MEANINGS[issue.params.pattern as string] ?? `must match the pattern ${String(issue.params.pattern)}`;
    default:
      return issue.message ?? 'is not valid';
  }
}

/**
 * An `anyOf` said as one message on its field: which fields it needs one of (anyOf of required),
 * which formats it takes ("use YYYY-MM-DD or an ISO 8601 date-time"), or each branch's own rule.
 * Never an empty list: the branches' issues are all at or under the anyOf's path.
 */
function anyOfMessage(anyOf: AjvIssue, allIssues: AjvIssue[]): string {
  const branches = allIssues.filter((i) => i !== anyOf && (i.instancePath === anyOf.instancePath || i.instancePath.startsWith(`${anyOf.instancePath}/`)));
  const here = (i: AjvIssue) => i.instancePath === anyOf.instancePath;
  // Every branch wants a field: "needs one of: email, did, externalId".
  if (branches.length > 0 && branches.every((i) => i.keyword === 'required' && here(i)))
    return `needs one of: ${branches.map((i) => String(i.params.missingProperty)).join(', ')}`;
  const formats = branches.filter((i) => i.keyword === 'format').map((i) => formatWanted(i.params.format));
  if (formats.length > 0 && formats.length === branches.length) return `must be ${[...new Set(formats)].join(' or ')}`;
  // Each branch's own rule, naming the part of the value it is about ("needs title (or null to clear it)").
  const nullable = branches.some((i) => i.keyword === 'type' && i.params.type === 'null' && here(i));
  const said = (i: AjvIssue) => {
    const extra =
      i.keyword === 'required' ? String(i.params.missingProperty) : i.keyword === 'additionalProperties' ? String(i.params.additionalProperty) : undefined;
    const part = fieldName(i.instancePath.slice(anyOf.instancePath.length), extra);
    if (i.keyword === 'required') return `needs ${part}`;
    return part ? `${part} ${issueMessage(i)}` : issueMessage(i);
  };
  const others = [...new Set(branches.filter((i) => !(i.keyword === 'type' && i.params.type === 'null' && here(i))).map(said))];
  if (others.length === 0) return nullable ? 'must be null' : 'is not valid';
  return `${others.join(' or ')}${nullable ? ' (or null to clear it)' : ''}`;
}

/**
 * One validation failure as a problem: the first issue's field and message in `detail`, all of them
 * in `errors`. `columnOf` renames a field as the sender typed it (a cohort CSV's column).
 */
export function describeValidation(allIssues: AjvIssue[], context: string | undefined, columnOf?: (field: string) => string): Problem {
  // "one of these" (anyOf) reads better as one message on its field.
  const anyOf = allIssues.find((issue) => issue.keyword === 'anyOf');
  const issues = anyOf ? [{ ...anyOf, keyword: 'oneOfFields', message: anyOfMessage(anyOf, allIssues) }] : allIssues;
  const errors = issues.map((issue) => {
    const extra =
      issue.keyword === 'required'
        ? (issue.params.missingProperty as string)
        : issue.keyword === 'additionalProperties'
          ? (issue.params.additionalProperty as string)
          : undefined;
    const apiField = fieldName(issue.instancePath, extra) || context || 'body';
    const field = columnOf ? columnOf(apiField) : apiField;
    const message = issue.keyword === 'oneOfFields' ? (issue.message ?? 'is not valid') : issueMessage(issue);
    return { field, message };
  });
  const first = errors[0] ?? { field: context ?? 'body', message: 'is not valid' };
  const where = context && context !== 'body' ? `${context} ` : columnOf ? 'column ' : '';
  return problem(400, ErrorCode.validation, `${where}${columnOf ? `"${first.field}"` : `field "${first.field}"`} ${first.message}`, {
    field: first.field,
    errors,
  });
}

/** Maps any thrown error to problem+json; 5xx details never leave the process. */
export function toProblem(error: unknown): Problem {
  if (error instanceof AppError) {
    return problem(error.status, error.code, error.detail, { ...error.members, ...(error.field ? { field: error.field } : {}) });
  }
  // What a person handed over is not what it claims to be (a verify body, a baked image).
  if (error instanceof InvalidInput) return problem(400, ErrorCode.validation, error.message, { field: error.field });
  const fastifyError = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    return describeValidation(fastifyError.validation, fastifyError.validationContext);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, ErrorCode.payloadTooLarge, 'The request body is larger than this route accepts');
    // @fastify/multipart's limits: one file of 2 MiB and a few fields (src/pages/page.routes.ts).
    case 'FST_REQ_FILE_TOO_LARGE':
      return problem(413, ErrorCode.payloadTooLarge, 'The file is larger than 2 MiB', { field: 'file' });
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return problem(413, ErrorCode.payloadTooLarge, 'The form carries more files or fields than it accepts (one file, the text)', { field: 'body' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem(414, ErrorCode.uriTooLong, 'A path segment of the URL is longer than any id this service uses', { field: 'url' });
    case 'FST_ERR_BAD_URL':
      return problem(400, ErrorCode.validation, 'The URL cannot be decoded', { field: 'url' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, ErrorCode.unsupportedMediaType, 'Send the body as application/json', { field: 'content-type' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, ErrorCode.validation, 'The JSON body is empty', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, ErrorCode.validation, 'The body is not valid JSON', { field: 'body' });
  }
  if (fastifyError.statusCode === 429) {
    return problem(429, ErrorCode.rateLimited, 'Too many requests; wait and try again');
  }
  if (fastifyError instanceof SyntaxError || fastifyError.statusCode === 400) {
    return problem(400, ErrorCode.validation, 'The body could not be read', { field: 'body' });
  }
  if (isDatabaseUnavailable(error)) {
    return problem(503, ErrorCode.unavailable, 'The database is not answering; try again shortly');
  }
  return problem(500, ErrorCode.internal, 'Something went wrong on our side; it has been logged');
}

/**
 * Errors Node's HTTP parser meets before any route (headers over 16 KiB, a malformed request):
 * answered as problem+json on the raw socket, as everything else is.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? problem(431, ErrorCode.headersTooLarge, 'The request line and headers are larger than 16 KiB', { field: 'headers' })
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? problem(408, ErrorCode.validation, 'The request took too long to arrive')
        : problem(400, ErrorCode.validation, 'The request is not well-formed HTTP');
  // No request was made of it, so no id was either: one is made here, for the client to quote.
  const requestId = randomUUID();
  const text = JSON.stringify({ ...body, requestId });
  const reason = body.status === 431 ? 'Request Header Fields Too Large' : body.status === 408 ? 'Request Timeout' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${body.status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** Connection-level failures (server down, refused, timed out) are 503, not 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'];
  if (e.code && codes.includes(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|PGlite is closed/i.test(e.message ?? '');
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  if (body.status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
  // Framework errors (a bad URL, an over-long path segment) skip the hooks that set the header.
  reply.header('x-request-id', reply.request.id);
  return reply
    .code(body.status)
    .type('application/problem+json')
    .send({ ...body, requestId: reply.request.id });
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = toProblem(error);
  if (body.status >= 500) request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, { ...body, instance: request.url.split('?')[0] });
}
