import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { learnerUpsert, type LearnerIdentity } from '../learners/learner.repository.js';

export interface NewCredential {
  id: string;
  issuerId: string;
  achievementId: string;
  recipient: LearnerIdentity;
  document: Record<string, unknown>;
  jwt: string;
  status: { listId: string; index: number };
  idempotencyKey: string | null;
  requestHash: string | null;
  validFrom: string;
  validUntil: string | null;
  actor: string;
}

/**
 * Stores an issued credential in one statement: the learner upserted, the credential inserted and
 * its audit event written, all or none (data-modifying CTEs run to completion with the statement).
 * One round trip, and no transaction held open: this is the hot path of issuing.
 */
export async function insertIssuedCredential(db: Kysely<Database>, c: NewCredential): Promise<{ createdAt: Date; learnerId: string }> {
  const row = await db
    .with('learner', (qc) => learnerUpsert(qc, c.issuerId, c.recipient))
    .with('audit', (qc) => qc.insertInto('audit_events').values({ issuer_id: c.issuerId, actor: c.actor, action: 'credential.issued', subject: c.id, details: '{}' }))
    .insertInto('credentials')
    .values({
      id: c.id,
      issuer_id: c.issuerId,
      achievement_id: c.achievementId,
      learner_id: (eb) => eb.selectFrom('learner').select('learner.id'),
      document: JSON.stringify(c.document),
      jwt: c.jwt,
      status_list_id: c.status.listId,
      status_index: c.status.index,
      idempotency_key: c.idempotencyKey,
      request_hash: c.requestHash,
      valid_from: c.validFrom,
      valid_until: c.validUntil,
    })
    .returning(['created_at', 'learner_id'])
    .executeTakeFirstOrThrow();
  return { createdAt: row.created_at, learnerId: row.learner_id };
}
