import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
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
 * the latest name wins. Unique indexes make concurrent upserts of one person safe.
 */
export async function upsertLearner(db: Kysely<Database>, issuerId: string, who: LearnerIdentity): Promise<string> {
  const email = who.email ? normaliseEmail(who.email) : null;
  const externalId = who.externalId?.trim() || null;
  const values = { id: randomUUID(), issuer_id: issuerId, name: who.name, email, did: who.did ?? null, external_id: externalId };
  const insert = db.insertInto('learners').values(values);
  const row = email
    ? await insert.onConflict((oc) => oc.columns(['issuer_id', 'email']).where('email', 'is not', null).doUpdateSet({ name: who.name })).returning('id').executeTakeFirstOrThrow()
    : externalId
      ? await insert.onConflict((oc) => oc.columns(['issuer_id', 'external_id']).where('external_id', 'is not', null).doUpdateSet({ name: who.name })).returning('id').executeTakeFirstOrThrow()
      : await insert
          .onConflict((oc) => oc.columns(['issuer_id', 'did']).where('did', 'is not', null).where('email', 'is', null).doUpdateSet({ name: who.name }))
          .returning('id')
          .executeTakeFirstOrThrow();
  return row.id;
}

export function findLearner(db: Kysely<Database>, issuerId: string, id: string): Promise<LearnerRow | undefined> {
  return db.selectFrom('learners').selectAll().where('issuer_id', '=', issuerId).where('id', '=', id).executeTakeFirst();
}
