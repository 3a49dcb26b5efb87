/**
 * Batch verification (POST /v1/verify/batch): up to 100 items, each what POST /v1/verify takes
 * (`{ credential }` or `{ jwt }`) or `{ url }`, a link to one of our credential pages, read from our
 * own database (a link is never fetched). One answer per item, in order: the verdict POST /v1/verify
 * would give, or a problem-like entry naming `items.<i>…` for an item that cannot be read. One bad
 * item never fails the others.
 */
import { jwtOf } from '../credentials/credential.repository.js';
import { isUuid } from '../ids.js';
import type { Db } from '../db/database.js';
import { ErrorCode, problem, type Problem } from '../errors.js';
import { InvalidInput } from '../invalid-input.js';
import type { Urls } from '../urls.js';
import { verifyInputOf } from './input.js';
import { readIssuedCredential } from './stored-credential.repository.js';
import type { Verdict, VerifyInput } from './verdict.js';

export const MAX_BATCH_ITEMS = 100;

/**
 * Items of one batch verified at a time. The worker pool has one thread per core; a batch keeping a
 * few items in flight keeps those threads busy while a single /v1/verify request that arrives
 * meanwhile waits behind at most this many of the batch's jobs, not behind all 100.
 */
export const BATCH_CONCURRENCY = 4;

/** The same bound POST /v1/verify puts on a JWT (schemas/verify.ts). */
const MAX_JWT_LENGTH = 400_000;

export type BatchItemProblem = Problem & { field: string };
export type BatchResult = Verdict | BatchItemProblem;

export function createBatchVerifier({ db, urls, verify }: { db: Db; urls: Urls; verify: (input: VerifyInput, now?: Date) => Promise<Verdict> }) {
  const ourPrefix = urls.credential('');

  /** What to verify for an item, or the problem that says why it cannot be read. */
  async function inputOf(item: unknown, field: string): Promise<VerifyInput | BatchItemProblem> {
    const unreadable = (detail: string, at = field) => problem(400, ErrorCode.validation, detail, { field: at }) as BatchItemProblem;
    if (!item || typeof item !== 'object' || Array.isArray(item)) return unreadable('must be an object: { credential }, { jwt } or { url }');
    const keys = Object.keys(item);
    if (keys.length !== 1 || !['credential', 'jwt', 'url'].includes(keys[0]!)) {
      return unreadable('must have exactly one of credential, jwt or url');
    }
    const { credential, jwt, url } = item as { credential?: unknown; jwt?: unknown; url?: unknown };
    if (credential !== undefined) {
      if (!credential || typeof credential !== 'object' || Array.isArray(credential)) return unreadable('must be an object', `${field}.credential`);
      return { credential };
    }
    if (jwt !== undefined) {
      if (typeof jwt !== 'string') return unreadable('must be a string', `${field}.jwt`);
      if (jwt.length > MAX_JWT_LENGTH) return unreadable(`must NOT have more than ${MAX_JWT_LENGTH} characters`, `${field}.jwt`);
      return { jwt };
    }
    if (typeof url !== 'string') return unreadable('must be a string', `${field}.url`);
    // Only a page of ours, read from our database: a link elsewhere is never fetched.
    const uuid = url.startsWith(ourPrefix) ? url.slice(ourPrefix.length) : '';
    if (!isUuid(uuid)) {
      return unreadable(`is not a link to a credential page of this service (${ourPrefix}<id>); links elsewhere are never fetched`, `${field}.url`);
    }
    const held = await readIssuedCredential(db, uuid.toLowerCase());
    if (!held) return problem(404, ErrorCode.notFound, 'No credential of this service has this link', { field: `${field}.url` }) as BatchItemProblem;
    // The JWT is stored with its payload detached: made whole again, as the page hands it out.
    return verifyInputOf({ credential: held.document as Record<string, unknown>, jwt: jwtOf(held) });
  }

  async function verifyItem(item: unknown, index: number, now: Date): Promise<BatchResult> {
    const field = `items.${index}`;
    const input = await inputOf(item, field);
    if ('status' in input) return input;
    try {
      return await verify(input, now);
    } catch (error) {
      // Not a credential at all: what POST /v1/verify answers with a 400, this item's entry says.
      if (error instanceof InvalidInput) return problem(400, ErrorCode.validation, error.message, { field: `${field}.${error.field}` }) as BatchItemProblem;
      throw error;
    }
  }

  /** A result per item, in order; at most BATCH_CONCURRENCY items in flight. */
  return async function verifyBatch(items: unknown[]): Promise<BatchResult[]> {
    const now = new Date();
    const results: BatchResult[] = new Array(items.length);
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await verifyItem(items[index], index, now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, lane));
    return results;
  };
}
