import type { Kysely } from 'kysely';
import { insertAuditEvents } from '../audit/audit.repository.js';
import { attachJwtPayload, detachJwtPayload } from '../crypto/securing.js';
import type { Database } from '../db/types.js';
import { identityKey, learnerUpsert, upsertLearners, type LearnerIdentity } from '../learners/learner.repository.js';

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
  /** Written with the audit event (a cohort's rows say they came in a batch). */
  auditDetails?: Record<string, unknown>;
}

/**
 * How a signed credential is kept: the document as its JSON text, the JWT with its payload
 * detached (RFC 7515 Appendix F), since the stored document gives that payload back exactly.
 * Every route that stores a credential stores it so; `jwtOf` reads it back.
 */
export function storedForm(document: Record<string, unknown>, jwt: string): { document: string; jwt: string } {
  return { document: JSON.stringify(document), jwt: detachJwtPayload(jwt) };
}

/** The whole JWT of a stored credential (rows from before detached storage hold it whole). */
export function jwtOf(row: { document: unknown; jwt: string }): string {
  return attachJwtPayload(row.jwt, row.document as Record<string, unknown>);
}

/** The credential's columns, but for its learner. */
function columnsOf(c: NewCredential) {
  return {
    id: c.id,
    issuer_id: c.issuerId,
    achievement_id: c.achievementId,
    ...storedForm(c.document, c.jwt),
    status_list_id: c.status.listId,
    status_index: c.status.index,
    idempotency_key: c.idempotencyKey,
    request_hash: c.requestHash,
    valid_from: c.validFrom,
    valid_until: c.validUntil,
  };
}

/**
 * Stores an issued credential in one statement: the learner upserted, the credential inserted and
 * its audit event written, all or none (data-modifying CTEs run to completion with the statement).
 * One round trip, and no transaction held open: this is the hot path of issuing.
 */
export async function insertIssuedCredential(db: Kysely<Database>, c: NewCredential): Promise<{ createdAt: Date; learnerId: string }> {
  const row = await db
    .with('learner', (qc) => learnerUpsert(qc, c.issuerId, c.recipient))
    .with('audit', (qc) => qc.insertInto('audit_events').values({ issuer_id: c.issuerId, actor: c.actor, action: 'credential.issued', subject: c.id, details: JSON.stringify(c.auditDetails ?? {}) }))
    .insertInto('credentials')
    .values({ ...columnsOf(c), learner_id: (eb) => eb.selectFrom('learner').select('learner.id') })
    .returning(['created_at', 'learner_id'])
    .executeTakeFirstOrThrow();
  return { createdAt: row.created_at, learnerId: row.learner_id };
}

/**
 * Stores many issued credentials in the caller's transaction: their learners (one statement per
 * institution and kind of identity), the credentials (one statement) and the audit events (one).
 */
export async function insertIssuedCredentials(trx: Kysely<Database>, credentials: NewCredential[]): Promise<void> {
  const learnerIds = new Map<string, string>();
  for (const issuerId of new Set(credentials.map((c) => c.issuerId))) {
    const ids = await upsertLearners(trx, issuerId, credentials.filter((c) => c.issuerId === issuerId).map((c) => c.recipient));
    for (const [key, id] of ids) learnerIds.set(`${issuerId}|${key}`, id);
  }
  await trx
    .insertInto('credentials')
    .values(credentials.map((c) => ({ ...columnsOf(c), learner_id: learnerIds.get(`${c.issuerId}|${identityKey(c.recipient)}`)! })))
    .execute();
  await insertAuditEvents(trx, credentials.map((c) => ({ issuerId: c.issuerId, actor: c.actor, action: 'credential.issued', subject: c.id, ...(c.auditDetails ? { details: c.auditDetails } : {}) })));
}

/** At most this many credentials go in one grouped write. */
const MAX_GROUP = 64;

/**
 * Stores credentials issued one at a time (the hot path of POST /v1/credentials), sharing the
 * database's per-statement cost between concurrent requests: while one write is in flight, those
 * that arrive wait, then go together in one transaction (one statement per table, as a batch's
 * chunk). Alone, a credential is written at once in its single statement. A group that fails is
 * written again one credential at a time, so each request gets its own answer (a reused
 * Idempotency-Key fails its own request, nobody else's).
 */
export function createCredentialWriter(db: Kysely<Database>) {
  type Waiting = { credential: NewCredential; done(): void; failed(error: unknown): void };
  const queue: Waiting[] = [];
  let writing = false;

  async function writeAlone(w: Waiting): Promise<void> {
    try {
      await insertIssuedCredential(db, w.credential);
      w.done();
    } catch (error) {
      w.failed(error);
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      if (group.length === 1) {
        await writeAlone(group[0]!);
        continue;
      }
      try {
        await db.transaction().execute((trx) => insertIssuedCredentials(trx, group.map((w) => w.credential)));
        for (const w of group) w.done();
      } catch {
        for (const w of group) await writeAlone(w);
      }
    }
    writing = false;
  }

  return {
    write(credential: NewCredential): Promise<void> {
      return new Promise((resolve, reject) => {
        queue.push({ credential, done: resolve, failed: reject });
        if (!writing) void drain();
      });
    },
  };
}
