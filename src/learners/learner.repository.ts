import { randomUUID } from 'node:crypto';
import type { Kysely, QueryCreator } from 'kysely';
import type { Database, LearnerRow } from '../db/types.js';

export interface LearnerIdentity {
  name: string;
  email?: string;
  did?: string;
  externalId?: string;
}

/** Trimmed and lower-cased: one person, one learner row, however the e-mail was typed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Finds or creates the learner at this institution, keyed by e-mail, else external id, else DID;
 * the latest name wins. Unique indexes make concurrent upserts of one person safe. The statement
 * alone, so that it can also run as part of another (a CTE).
 */
export function learnerUpsert(db: QueryCreator<Database>, issuerId: string, who: LearnerIdentity) {
  const email = who.email ? normaliseEmail(who.email) : null;
  const externalId = who.externalId?.trim() || null;
  const values = { id: randomUUID(), issuer_id: issuerId, name: who.name, email, did: who.did ?? null, external_id: externalId };
  return db
    .insertInto('learners')
    .values(values)
    .onConflict((oc) =>
      email
        ? oc.columns(['issuer_id', 'email']).where('email', 'is not', null).doUpdateSet({ name: who.name })
        : externalId
          ? oc.columns(['issuer_id', 'external_id']).where('external_id', 'is not', null).doUpdateSet({ name: who.name })
          : oc.columns(['issuer_id', 'did']).where('did', 'is not', null).where('email', 'is', null).doUpdateSet({ name: who.name }),
    )
    .returning('id');
}

export async function upsertLearner(db: Kysely<Database>, issuerId: string, who: LearnerIdentity): Promise<string> {
  return (await learnerUpsert(db, issuerId, who).executeTakeFirstOrThrow()).id;
}

export function findLearner(db: Kysely<Database>, issuerId: string, id: string): Promise<LearnerRow | undefined> {
  return db.selectFrom('learners').selectAll().where('issuer_id', '=', issuerId).where('id', '=', id).executeTakeFirst();
}
