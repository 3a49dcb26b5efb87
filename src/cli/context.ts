/** What every command gets: the streams, the environment, and a client made from --url/--token. */
import { isUuid } from '../ids.js';
import { ApiClient, DEFAULT_URL, parseBaseUrl } from './http.js';
import { UsageError } from './errors.js';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Context extends Io {
  out(line?: string): void;
  err(line?: string): void;
  /** The client, with the token for this kind of command (the operator's or an institution's). */
  client(): ApiClient;
}

export interface ContextOptions {
  /** Whose token the command needs. */
  who: 'operator' | 'institution';
  /** False where --url means something else (issuer create: the institution's web site). */
  urlIsService: boolean;
}

export function createContext(io: Io, values: Values, { who, urlIsService }: ContextOptions): Context {
  const out = (line = '') => void io.stdout.write(`${line}\n`);
  const err = (line = '') => void io.stderr.write(`${line}\n`);
  let client: ApiClient | undefined;
  return {
    ...io,
    out,
    err,
    client() {
      if (client) return client;
      const given = stringValue(values, 'service-url') ?? (urlIsService ? stringValue(values, 'url') : undefined);
      const url = parseBaseUrl(given ?? (io.env.IEUM_URL || DEFAULT_URL));
      // The operator commands also take ADMIN_TOKEN, the variable `npm start` reads.
      const token = stringValue(values, 'token') ?? (io.env.IEUM_TOKEN || (who === 'operator' ? io.env.ADMIN_TOKEN : undefined) || undefined);
      if (!token) {
        throw new UsageError(
          who === 'operator'
            ? 'no token: this command needs the operator token (ADMIN_TOKEN of the service) in IEUM_TOKEN or --token'
            : "no token: set IEUM_TOKEN to the institution's API key, or pass --token",
        );
      }
      client = new ApiClient(url, token, err);
      return client;
    },
  };
}

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(values: Values, name: string): string {
  const value = stringValue(values, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A positive number option (hours), checked here so a typo is a usage error, not a server round trip. */
export function numberValue(values: Values, name: string): number | undefined {
  const raw = stringValue(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${raw}"`);
  return n;
}

/** A UUID, or a URL ending in one (a credential's /c/<uuid> link): returns the UUID, lower-case. */
export function uuidValue(values: Values, name: string): string {
  const raw = requiredString(values, name).trim();
  const last =
    raw
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? '';
  if (isUuid(raw)) return raw.toLowerCase();
  if (/^https?:\/\//.test(raw) && isUuid(last)) return last.toLowerCase();
  throw new UsageError(`--${name} must be an id (a UUID such as 0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10), not "${raw}"`);
}
