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

/** Who a learner is at one institution, as the unique indexes see it. */
export function identityKey(who: LearnerIdentity): string {
  return who.email ? `email:${normaliseEmail(who.email)}` : who.externalId?.trim() ? `ext:${who.externalId.trim()}` : `did:${who.did}`;
}

/**
 * Many learners at once, one statement per kind of identity; the same person twice is upserted
 * once. Returns the learner id for each identityKey.
 */
export async function upsertLearners(db: Kysely<Database>, issuerId: string, people: LearnerIdentity[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const byKind = { email: new Map<string, LearnerIdentity>(), ext: new Map<string, LearnerIdentity>(), did: new Map<string, LearnerIdentity>() };
  for (const who of people) {
    const key = identityKey(who);
    byKind[key.slice(0, key.indexOf(':')) as keyof typeof byKind].set(key, who);
  }
  const row = (who: LearnerIdentity) => ({
    id: randomUUID(),
    issuer_id: issuerId,
    name: who.name,
    email: who.email ? normaliseEmail(who.email) : null,
    external_id: who.externalId?.trim() || null,
    did: who.did ?? null,
  });
  if (byKind.email.size > 0) {
    const rows = await db.insertInto('learners').values([...byKind.email.values()].map(row))
      .onConflict((oc) => oc.columns(['issuer_id', 'email']).where('email', 'is not', null).doUpdateSet((eb) => ({ name: eb.ref('excluded.name') })))
      .returning(['id', 'email']).execute();
    for (const r of rows) ids.set(`email:${r.email}`, r.id);
  }
  if (byKind.ext.size > 0) {
    const rows = await db.insertInto('learners').values([...byKind.ext.values()].map(row))
      .onConflict((oc) => oc.columns(['issuer_id', 'external_id']).where('external_id', 'is not', null).doUpdateSet((eb) => ({ name: eb.ref('excluded.name') })))
      .returning(['id', 'external_id']).execute();
    for (const r of rows) ids.set(`ext:${r.external_id}`, r.id);
  }
  if (byKind.did.size > 0) {
    const rows = await db.insertInto('learners').values([...byKind.did.values()].map(row))
      .onConflict((oc) => oc.columns(['issuer_id', 'did']).where('did', 'is not', null).where('email', 'is', null).doUpdateSet((eb) => ({ name: eb.ref('excluded.name') })))
      .returning(['id', 'did']).execute();
    for (const r of rows) ids.set(`did:${r.did}`, r.id);
  }
  return ids;
}

export async function upsertLearner(db: Kysely<Database>, issuerId: string, who: LearnerIdentity): Promise<string> {
  return (await learnerUpsert(db, issuerId, who).executeTakeFirstOrThrow()).id;
}

export function findLearner(db: Kysely<Database>, issuerId: string, id: string): Promise<LearnerRow | undefined> {
  return db.selectFrom('learners').selectAll().where('issuer_id', '=', issuerId).where('id', '=', id).executeTakeFirst();
}
