/** The credentials table as the credentials capability reads and changes it (issuing writes through src/issuance). */
import { sql, type Kysely, type Selectable } from 'kysely';
import { attachJwtPayload } from '../crypto/securing.js';
import type { CredentialRow, Database, DeliveriesTable } from '../db/types.js';

/** The whole JWT of a stored credential (rows from before detached storage hold it whole). */
export function jwtOf(row: { document: unknown; jwt: string }): string {
  return attachJwtPayload(row.jwt, row.document as Record<string, unknown>);
}

export function findCredentialByIdempotencyKey(db: Kysely<Database>, issuerId: string, key: string): Promise<CredentialRow | undefined> {
  return db.selectFrom('credentials').selectAll().where('issuer_id', '=', issuerId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** A credential of this issuer's; another's is not found (one institution never learns of another's). */
export function findOwnedCredential(db: Kysely<Database>, issuerId: string, id: string): Promise<CredentialRow | undefined> {
  return db.selectFrom('credentials').selectAll().where('id', '=', id).where('issuer_id', '=', issuerId).executeTakeFirst();
}

/** Who a listing is narrowed to: a learner by one of her identities. */
export type LearnerFilter = { email: string } | { did: string } | { learnerId: string } | { externalId: string };

/** A page of an issuer's credentials, newest first, after the (created_at, id) of `after`. */
export function listCredentials(
  db: Kysely<Database>,
  issuerId: string,
  query: { achievementId?: string; learner?: LearnerFilter; after?: { at: Date; id: string }; limit: number },
) {
  let q = db
    .selectFrom('credentials')
    .innerJoin('learners', 'learners.id', 'credentials.learner_id')
    // Each item's delivery in the same query: no row means her learner has no e-mail.
    .leftJoin('deliveries', 'deliveries.credential_id', 'credentials.id')
    .select([
      'credentials.id',
      'credentials.achievement_id',
      'credentials.created_at',
      'credentials.revoked_at',
      'credentials.revocation_reason',
      'credentials.suspended_at',
      'credentials.suspension_reason',
      'learners.id as learner_id',
      'learners.name as learner_name',
      'learners.email as learner_email',
      'deliveries.state as delivery_state',
      'deliveries.attempts as delivery_attempts',
      'deliveries.last_error as delivery_last_error',
      'deliveries.sent_at as delivery_sent_at',
    ])
    .where('credentials.issuer_id', '=', issuerId);
  if (query.achievementId) q = q.where('credentials.achievement_id', '=', query.achievementId);
  const learner = query.learner;
  if (learner) {
    q =
      'email' in learner
        ? q.where('learners.email', '=', learner.email)
        : 'did' in learner
          ? q.where('learners.did', '=', learner.did)
          : 'learnerId' in learner
            ? q.where('learners.id', '=', learner.learnerId)
            : q.where('learners.external_id', '=', learner.externalId);
  }
  const after = query.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('credentials.created_at', '<', after.at), eb.and([eb('credentials.created_at', '=', after.at), eb('credentials.id', '<', after.id)])]),
    );
  }
  return q.orderBy('credentials.created_at', 'desc').orderBy('credentials.id', 'desc').limit(query.limit).execute();
}

/** The status changes an issuer may make; each applies only from the state it names. */
export type StatusChange = 'revoke' | 'suspend' | 'unsuspend';

/** Applies a status change to a credential of this issuer's; undefined when it is not in a state the change applies to. */
export function changeCredentialStatus(
  db: Kysely<Database>,
  issuerId: string,
  id: string,
  change: StatusChange,
  reason: string | null,
): Promise<CredentialRow | undefined> {
  let q = db.updateTable('credentials').where('id', '=', id).where('issuer_id', '=', issuerId).where('revoked_at', 'is', null);
  if (change === 'revoke') return q.set({ revoked_at: new Date(), revocation_reason: reason }).returningAll().executeTakeFirst();
  q = q.where('suspended_at', change === 'suspend' ? 'is' : 'is not', null);
  return (change === 'suspend' ? q.set({ suspended_at: new Date(), suspension_reason: reason }) : q.set({ suspended_at: null, suspension_reason: null }))
    .returningAll()
    .executeTakeFirst();
}

export function findIdempotencyKeys(db: Kysely<Database>, issuerId: string, keys: string[]) {
  return db.selectFrom('credentials').select(['id', 'idempotency_key']).where('issuer_id', '=', issuerId).where('idempotency_key', 'in', keys).execute();
}

/** The row of a credential whose id a VC-API caller chose. */
export async function findCredentialIdByCallerId(db: Kysely<Database>, issuerId: string, callerId: string): Promise<string | undefined> {
  return (await db.selectFrom('credentials').select('id').where('issuer_id', '=', issuerId).where('caller_id', '=', callerId).executeTakeFirst())?.id;
}

/** A credential's delivery as the API shows it (src/delivery sends it). */
export type DeliveryRow = Pick<Selectable<DeliveriesTable>, 'state' | 'attempts' | 'last_error' | 'sent_at'>;

/** The credential's delivery; undefined when its learner has no e-mail (no outbox row was written). */
export function findDelivery(db: Kysely<Database>, credentialId: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('deliveries').select(['state', 'attempts', 'last_error', 'sent_at']).where('credential_id', '=', credentialId).executeTakeFirst();
}

/** Whether the learner of a credential has an e-mail address. */
export async function learnerHasEmail(db: Kysely<Database>, credentialId: string): Promise<boolean> {
  const row = await db
    .selectFrom('credentials')
    .innerJoin('learners', 'learners.id', 'credentials.learner_id')
    .select('learners.email')
    .where('credentials.id', '=', credentialId)
    .executeTakeFirst();
  return Boolean(row?.email);
}

/**
 * A new request to send the credential: pending, no attempts, due now. created_at is when the
 * current request was made, so a resend gets a Message-ID of its own (docs/decisions/outbox.md) and
 * a send of the earlier request still in flight does not mark this one sent.
 */
export async function requestDelivery(db: Kysely<Database>, credentialId: string): Promise<DeliveryRow> {
  // In SQL: created_at is never updated through the typed builder, on purpose everywhere but here.
  const { rows } = await sql<DeliveryRow>`
    insert into deliveries (credential_id, state) values (${credentialId}, 'pending')
    on conflict (credential_id) do update
      set state = 'pending', attempts = 0, next_attempt_at = now(), last_error = null, sent_at = null, created_at = now()
    returning state, attempts, last_error, sent_at`.execute(db);
  return rows[0]!;
}
