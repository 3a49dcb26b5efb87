/** How issued credentials are written: the one statement every issuance path stores through. */
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { detachJwtPayload, jsonOf } from '../crypto/securing.js';
import type { Database, DeliveryState } from '../db/types.js';
import { identityKey, learnerUpsertsCte, type LearnerIdentity } from '../learners/learner.repository.js';

/** A signed credential as it is stored, with what the row and its audit event say about it. */
export interface NewCredential {
  id: string;
  issuerId: string;
  /** null for a record that awards no achievement of ours (a CLR, a VC-API credential). */
  achievementId: string | null;
  /**
   * Who it is for: found or created by identity; a learner row that exists already; or a new
   * learner known by a name alone (a VC-API subject), created with the credential.
   */
  learner: { identity: LearnerIdentity } | { id: string } | { created: { id: string; name: string } };
  document: Record<string, unknown>;
  jwt: string;
  status: { listId: string; index: number };
  idempotencyKey: string | null;
  requestHash: string | null;
  /** The id a VC-API caller gave the credential (unique across the service). */
  callerId: string | null;
  validFrom: string;
  validUntil: string | null;
  actor: string;
  /** The audit event written with the row; 'credential.issued' unless said. */
  auditAction?: string;
  /** Written with the audit event (a cohort's rows say they came in a batch). */
  auditDetails?: Record<string, unknown>;
  /**
   * The state its outbox row starts in, written only when its learner has an e-mail (src/delivery):
   * set by the issuance core from the caller's wish and whether mail is configured.
   */
  delivery: InitialDelivery;
}

/** How a delivery starts: to be sent, not wanted by the issuer (`deliver: false`), or no SMTP_URL. */
export type InitialDelivery = Extract<DeliveryState, 'pending' | 'not-requested' | 'not-configured'>;

/**
 * The outbox state written for a credential, or null when its learner surely has no e-mail: an
 * identity without one, or a learner created with the credential (a VC-API subject). A learner
 * named by id may have one: the statement looks.
 */
function outboxState(c: NewCredential): InitialDelivery | null {
  if ('identity' in c.learner) return c.learner.identity.email ? c.delivery : null;
  return 'id' in c.learner ? c.delivery : null;
}

/**
 * How a signed credential is kept: the document as its JSON text, the JWT with its payload
 * detached (RFC 7515 Appendix F), since the stored document gives that payload back exactly.
 * Every route that stores a credential stores it so; `jwtOf` reads it back.
 */
export function storedForm(document: Record<string, unknown>, jwt: string): { document: string; jwt: string } {
  return { document: jsonOf(document), jwt: detachJwtPayload(jwt) };
}

/**
 * Stores issued credentials in one statement: their learners upserted, the credentials inserted,
 * their audit events and outbox rows (src/delivery) written, all or none (data-modifying CTEs run to completion with the
 * statement). One round trip whatever the count, and no transaction needed; inside the caller's
 * transaction it is part of that. A credential whose learner were somehow not found would fail on
 * learner_id's not-null constraint rather than go missing.
 */
export async function insertIssuedCredentials(db: Kysely<Database>, credentials: NewCredential[]): Promise<void> {
  if (credentials.length === 0) return;
  await db.executeQuery(composeIssuedCredentialsInsert(db, credentials));
}

/**
 * The statement of insertIssuedCredentials, compiled (for at least one credential), so that a
 * cohort's next chunk is put together while the database still writes the one before.
 */
export function composeIssuedCredentialsInsert(db: Kysely<Database>, credentials: NewCredential[]): CompiledQuery {
  const identityOf = (c: NewCredential) => ('identity' in c.learner ? identityKey(c.learner.identity) : null);
  const rows = credentials.map((c) => {
    const stored = storedForm(c.document, c.jwt);
    const learnerId = 'id' in c.learner ? c.learner.id : 'created' in c.learner ? c.learner.created.id : null;
    return sql`(${c.id}::uuid, ${c.issuerId}::uuid, ${c.achievementId}::uuid, ${learnerId}::uuid, ${identityOf(c)}, ${stored.document}::json, ${stored.jwt},
      ${c.status.listId}::uuid, ${c.status.index}::integer, ${c.idempotencyKey}, ${c.requestHash}, ${c.callerId}, ${c.validFrom}::timestamptz, ${c.validUntil}::timestamptz,
      ${c.actor}, ${c.auditAction ?? 'credential.issued'}, ${JSON.stringify(c.auditDetails ?? {})}::jsonb, ${outboxState(c)}::text)`;
  });
  const people = credentials.flatMap((c) => ('identity' in c.learner ? [{ issuerId: c.issuerId, who: c.learner.identity }] : []));
  // Rows that name their learner's id need no upsert; the join then finds nothing for them.
  const learners =
    people.length > 0 ? learnerUpsertsCte(people) : sql`learner (id, issuer_id, identity) as (select null::uuid, null::uuid, null::text where false)`;
  const created = credentials.flatMap((c) =>
    'created' in c.learner ? [sql`(${c.learner.created.id}::uuid, ${c.issuerId}::uuid, ${c.learner.created.name})`] : [],
  );
  // Checked at the end of the statement, the credentials' learner_id finds these rows.
  const createdLearners = created.length > 0 ? sql`created_learners as (insert into learners (id, issuer_id, name) values ${sql.join(created)}),` : sql``;
  // The mail is owed in the same statement as the credential: committed together or not at all, so a
  // crash can neither lose a mail nor leave one for a credential that does not exist. Rows whose
  // learner is found by identity have an e-mail when outboxState says so; a learner named by id is looked up.
  const outbox = credentials.some((c) => outboxState(c) !== null)
    ? sql`, outbox as (insert into deliveries (credential_id, state) select i.id, i.delivery from input i
        where i.delivery is not null and (i.learner_id is null or exists (select from learners l where l.id = i.learner_id and l.email is not null)))`
    : sql``;
  return sql`
    with ${learners}, ${createdLearners}
    input (id, issuer_id, achievement_id, learner_id, identity, document, jwt, status_list_id, status_index, idempotency_key, request_hash, caller_id, valid_from, valid_until, actor, action, details, delivery)
      as (values ${sql.join(rows)}),
    audit as (insert into audit_events (issuer_id, actor, action, subject, details) select issuer_id, actor, action, id::text, details from input)${outbox}
    insert into credentials (id, issuer_id, achievement_id, learner_id, document, jwt, status_list_id, status_index, idempotency_key, request_hash, caller_id, valid_from, valid_until)
    select i.id, i.issuer_id, i.achievement_id, coalesce(i.learner_id, learner.id), i.document, i.jwt, i.status_list_id, i.status_index, i.idempotency_key, i.request_hash, i.caller_id, i.valid_from, i.valid_until
    from input i left join learner on learner.issuer_id = i.issuer_id and learner.identity = i.identity`.compile(db);
}

/** At most this many credentials go in one grouped write. */
const MAX_GROUP = 64;

/**
 * Stores credentials issued one at a time (the hot path of POST /v1/credentials), sharing the
 * database's per-statement cost between concurrent requests: while one write is in flight, those
 * that arrive wait, then go together in one statement (as a batch's chunk). Alone, a credential
 * is written at once. A group that fails is written again one credential at a time, so each
 * request gets its own answer (a reused Idempotency-Key fails its own request, nobody else's).
 */
export function createCredentialWriter(db: Kysely<Database>) {
  type Waiting = { credential: NewCredential; done(): void; failed(error: unknown): void };
  const queue: Waiting[] = [];
  let writing = false;

  async function writeAlone(w: Waiting): Promise<void> {
    try {
      await insertIssuedCredentials(db, [w.credential]);
      w.done();
    } catch (error) {
      w.failed(error);
    }
  }

  async function writeGroup(group: Waiting[]): Promise<void> {
    if (group.length === 1) return writeAlone(group[0]!);
    try {
      await insertIssuedCredentials(
        db,
        group.map((w) => w.credential),
      );
      for (const w of group) w.done();
    } catch {
      for (const w of group) await writeAlone(w);
    }
  }

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) await writeGroup(queue.splice(0, MAX_GROUP));
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
