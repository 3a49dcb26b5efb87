/**
 * The outbox as the sender works it (rows are written with their credentials, by
 * src/issuance/issued-credential.repository.ts). Every change here is one short statement: no
 * transaction is held while a mail is being sent.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AchievementKind } from '../db/types.js';

/**
 * One send of a delivery: which request of it (`request`, the row's created_at in microseconds: a
 * resend writes a new one) and which attempt; what the mail needs. `email` is personal data: it
 * goes to the SMTP server and nowhere else (never into a log).
 */
export interface ClaimedDelivery {
  credentialId: string;
  request: number;
  attempts: number;
  document: Record<string, unknown>;
  jwt: string;
  learnerName: string;
  email: string | null;
  kind: AchievementKind | null;
  image: string | null;
}

/** The request stamp of a row, exact (a JavaScript Date would lose the microseconds). */
const requestStamp = sql<number>`(extract(epoch from d.created_at) * 1000000)::bigint`;

/**
 * Claims up to `limit` due rows at once, in one statement: each is leased (next_attempt_at pushed
 * `leaseMs` ahead) and its attempt counted, so other senders skip it (SKIP LOCKED while this
 * statement runs, the lease after) and a sender that dies holding it only delays it by the lease.
 */
export async function claimDueDeliveries(db: Db, options: { limit: number; leaseMs: number }): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimedDelivery>`
    with claimed as (
      update deliveries set next_attempt_at = now() + ${options.leaseMs}::double precision * interval '1 millisecond', attempts = attempts + 1
      where credential_id in (
        select credential_id from deliveries where state = 'pending' and next_attempt_at <= now()
        order by next_attempt_at limit ${options.limit} for update skip locked)
      returning credential_id, created_at, attempts)
    select d.credential_id as "credentialId", ${requestStamp} as request, d.attempts, c.document, c.jwt,
      l.name as "learnerName", l.email, a.kind, a.image
    from claimed d
    join credentials c on c.id = d.credential_id
    join learners l on l.id = c.learner_id
    left join achievements a on a.id = c.achievement_id`.execute(db);
  return rows;
}

/** The row of this request, whatever happened meanwhile to other requests of the same credential. */
const thisRequest = (request: number) => sql<boolean>`(extract(epoch from created_at) * 1000000)::bigint = ${request}`;

/** The SMTP server accepted the mail. A resend requested meanwhile is a new request, left pending. */
export async function markDeliverySent(db: Db, credentialId: string, request: number): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ state: 'sent', sent_at: sql`now()`, last_error: null })
    .where('credential_id', '=', credentialId)
    .where(thisRequest(request))
    .execute();
}

/**
 * An attempt failed: due again after `retryInMs`, or 'failed' when that was the last attempt (null).
 * Only the attempt that holds the row records (a sender whose lease ran out and was overtaken does
 * not), and never over a 'sent'.
 */
export async function markDeliveryAttemptFailed(
  db: Db,
  claimed: Pick<ClaimedDelivery, 'credentialId' | 'request' | 'attempts'>,
  error: string,
  retryInMs: number | null,
): Promise<void> {
  await db
    .updateTable('deliveries')
    .set(
      retryInMs === null
        ? { state: 'failed', last_error: error }
        : { last_error: error, next_attempt_at: sql`now() + ${retryInMs}::double precision * interval '1 millisecond'` },
    )
    .where('credential_id', '=', claimed.credentialId)
    .where(thisRequest(claimed.request))
    .where('attempts', '=', claimed.attempts)
    .where('state', '=', 'pending')
    .execute();
}
