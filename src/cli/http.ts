/**
 * The CLI's HTTP client: Node's fetch, the bearer token, problem+json answers turned into one-line
 * errors, and transport failures turned into ConnectionError. The token never appears in a message.
 */
import { ConnectionError, ProblemError, UsageError, type Problem } from './errors.js';
import { VERSION } from './version.js';

export const DEFAULT_URL = 'http://localhost:3000';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ApiAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** Checks and normalises the service's base URL (a path prefix is kept, the trailing slash is not). */
export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`"${raw}" is not a URL (IEUM_URL or --url, e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the service URL must be http:// or https://, not ${url.protocol}`);
  if (url.username || url.password) throw new UsageError('put the token in IEUM_TOKEN or --token, not in the URL');
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

/** Why fetch failed, in words: "connection refused", "timed out after 60 s", … */
function transportReason(error: unknown, timeoutMs: number): { reason: string; notSent: boolean } {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { reason: `no answer within ${Math.round(timeoutMs / 1000)} s`, notSent: false };
  const code = e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', notSent: true };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'host not found', notSent: true };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { reason: 'the connection was closed before the answer', notSent: false };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { reason: 'no answer in time', notSent: false };
  }
  if (code && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)) return { reason: `TLS: ${e.cause?.message ?? code}`, notSent: true };
  return { reason: (e?.cause?.message ?? e?.message ?? String(error)).replace(/\s+/g, ' '), notSent: false };
}

export class ApiClient {
  private warnedInsecure = false;

  constructor(
    readonly baseUrl: URL,
    private readonly token: string,
    private readonly warn: (line: string) => void = () => {},
  ) {}

  /** The address shown to the user (never with the token). */
  get origin(): string {
    return this.baseUrl.href.replace(/\/$/, '');
  }

  async request<T = unknown>(req: ApiRequest): Promise<ApiAnswer<T>> {
    const url = new URL(req.path.replace(/^\//, ''), this.baseUrl);
    if (url.protocol === 'http:' && !isLoopback(url.hostname) && !this.warnedInsecure) {
      this.warnedInsecure = true;
      this.warn(`warning: sending the token over plain http to ${url.host}; use https`);
    }
    const timeoutMs = req.timeoutMs ?? 60_000;
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'user-agent': `ieum-cli/${VERSION}`,
      authorization: `Bearer ${this.token}`,
      ...req.headers,
    };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.text !== undefined) {
      body = req.text;
      headers['content-type'] = req.contentType ?? 'text/plain; charset=utf-8';
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      text = await response.text();
    } catch (error) {
      const { reason, notSent } = transportReason(error, timeoutMs);
      throw new ConnectionError(`cannot reach ${this.origin} (${reason})${notSent ? '; is the service running? Set IEUM_URL or --url' : ''}`, notSent);
    }

    const type = response.headers.get('content-type') ?? '';
    let parsed: unknown;
    if (/json/i.test(type) && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ConnectionError(`the answer from ${this.origin} is not valid JSON (HTTP ${response.status})`);
      }
    }
    if (!response.ok) {
      const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<Problem>;
      throw new ProblemError({
        ...problem,
        status: response.status,
        detail:
          typeof problem.detail === 'string'
            ? problem.detail
            : `${response.status} ${response.statusText || 'error'}${parsed === undefined ? ` from ${this.origin}; is IEUM_URL the Ieum service?` : ''}`,
      });
    }
    if (response.status !== 204 && parsed === undefined) {
      throw new ConnectionError(
        `the answer from ${this.origin}${req.path} is not JSON (HTTP ${response.status}, ${type || 'no content-type'}); is IEUM_URL the Ieum service?`,
      );
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}
