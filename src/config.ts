/**
 * The service's configuration: read from the environment once, validated, frozen.
 * Nothing else in the code reads `process.env`.
 */
import { isIP } from 'node:net';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Base of every public id: credential ids, issuer DIDs, status list URLs. No trailing slash. */
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly keysDir: string;
  /** PostgreSQL server; when absent the embedded PGlite under `dataDir` is used. */
  readonly databaseUrl: string | undefined;
  /** Bearer token of the operator; when absent, admin routes are closed. */
  readonly adminToken: string | undefined;
  /** 32 bytes that encrypt the signing keys; when absent, read from or created in `keysDir`. */
  readonly keyEncryptionKey: Buffer | undefined;
  readonly logLevel: LogLevel;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** Requests per minute per client address on the public verify and page routes; 0 turns it off. */
  readonly publicRateLimit: number;
  /** Failed authentications per minute per client address before 429; 0 turns it off. */
  readonly authFailureLimit: number;
  /**
   * Which proxies in front may say who the client is (X-Forwarded-For): false (none, the default),
   * a number of hops, or the proxies' addresses and CIDR ranges. Rate limits count per client
   * address, so behind a load balancer this must be set, or every client shares one address.
   */
  readonly trustProxy: false | number | string[];
  /**
   * Where credentials' mails go out (`smtp://host:port`, `smtps://user:pass@host:port`); when
   * absent nothing is sent and each delivery says `not-configured`.
   */
  readonly smtpUrl: string | undefined;
  /** The From of every mail: `MAIL_FROM`, else `Ieum <no-reply@PUBLIC_URL's host>`. */
  readonly mailFrom: string;
}

export class ConfigError extends Error {}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, got "${value}"`);
  }
  return port;
}

function readPublicUrl(value: string | undefined, port: number): string {
  const raw = value && value !== '' ? value : `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`PUBLIC_URL must use http or https, got "${raw}"`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL must not carry a query, fragment or credentials');
  }
  return url.toString().replace(/\/+$/, '');
}

function readKeyEncryptionKey(value: string | undefined): Buffer | undefined {
  if (value === undefined || value === '') return undefined;
  // Accept 64 hex characters or base64(url) of 32 bytes.
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length !== 32) {
    throw new ConfigError('KEY_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  }
  return bytes;
}

function readDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return value;
}

function readAdminToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length < 16) throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  return value;
}

function readLimit(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number (0 turns the limit off), got "${value}"`);
  return Number(value);
}

function readTrustProxy(value: string | undefined): false | number | string[] {
  if (value === undefined || value === '' || value === 'false') return false;
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 10) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  const valid = (entry: string) => {
    const [address, prefix, extra] = entry.split('/');
    const version = isIP(address ?? '');
    if (version === 0 || extra !== undefined) return false;
    return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
  };
  if (entries.length === 0 || !entries.every(valid)) {
    // 'true' would believe any client's X-Forwarded-For, and so let anyone step around the limits.
    throw new ConfigError(`TRUST_PROXY must be a number of proxy hops (1-10) or a comma-separated list of proxy addresses/CIDRs, got "${value}"`);
  }
  return entries;
}

function readSmtpUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://localhost:2525');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://localhost:2525');
  }
  if (!url.hostname) throw new ConfigError('SMTP_URL must name a host');
  return value;
}

function readMailFrom(value: string | undefined, publicUrl: string): string {
  if (value === undefined || value === '') return `Ieum <no-reply@${new URL(publicUrl).hostname}>`;
  // A bare address or `Name <address>`; a line break would let a value write headers of its own.
  if (/[\r\n]/.test(value) || !/^[^<>@\s]+@[^<>@\s]+$|^[^<>]*<[^<>@\s]+@[^<>@\s]+>$/.test(value.trim())) {
    throw new ConfigError(`MAIL_FROM must be an address or "Name <address>", got "${value}"`);
  }
  return value.trim();
}

function readLogLevel(value: string | undefined): LogLevel {
  if (value === undefined || value === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

/** Reads and validates the configuration; throws a ConfigError with one clear line. */
export function loadConfig(env: Env = process.env): Config {
  const port = readPort(env.PORT);
  const publicUrl = readPublicUrl(env.PUBLIC_URL, port);
  return Object.freeze({
    port,
    host: env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1',
    publicUrl,
    dataDir: env.DATA_DIR && env.DATA_DIR !== '' ? env.DATA_DIR : './data',
    keysDir: env.KEYS_DIR && env.KEYS_DIR !== '' ? env.KEYS_DIR : './keys',
    databaseUrl: readDatabaseUrl(env.DATABASE_URL),
    adminToken: readAdminToken(env.ADMIN_TOKEN),
    keyEncryptionKey: readKeyEncryptionKey(env.KEY_ENCRYPTION_KEY),
    logLevel: readLogLevel(env.LOG_LEVEL),
    bodyLimit: 512 * 1024,
    publicRateLimit: readLimit('RATE_LIMIT_PER_MINUTE', env.RATE_LIMIT_PER_MINUTE, 600),
    authFailureLimit: readLimit('AUTH_FAILURES_PER_MINUTE', env.AUTH_FAILURES_PER_MINUTE, 30),
    trustProxy: readTrustProxy(env.TRUST_PROXY),
    smtpUrl: readSmtpUrl(env.SMTP_URL),
    mailFrom: readMailFrom(env.MAIL_FROM, publicUrl),
  });
}

/** did:web host part of PUBLIC_URL: the port's colon becomes %3A, a path adds ':'-separated segments. */
export function didWebBase(publicUrl: string): string {
  const url = new URL(publicUrl);
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname;
  const path = url.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did:web', host, ...path].join(':');
}
