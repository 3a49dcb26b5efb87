import { randomUUID } from 'node:crypto';
import type { Kysely, OnConflictBuilder, QueryCreator } from 'kysely';
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

type IdentityKind = 'email' | 'ext' | 'did';

/** Who a learner is at one institution, as the unique indexes see it. */
export function identityKey(who: LearnerIdentity): string {
  return who.email ? `email:${normaliseEmail(who.email)}` : who.externalId?.trim() ? `ext:${who.externalId.trim()}` : `did:${who.did}`;
}

const kindOf = (key: string) => key.slice(0, key.indexOf(':')) as IdentityKind;

function learnerValues(issuerId: string, who: LearnerIdentity) {
  return {
    id: randomUUID(),
    issuer_id: issuerId,
    name: who.name,
    email: who.email ? normaliseEmail(who.email) : null,
    did: who.did ?? null,
    external_id: who.externalId?.trim() || null,
  };
}

/**
 * The learner is found by e-mail, else external id, else DID (one partial unique index each);
 * the latest name wins. The unique indexes make concurrent upserts of one person safe.
 */
function onIdentity(oc: OnConflictBuilder<Database, 'learners'>, kind: IdentityKind) {
  const target =
    kind === 'email'
      ? oc.columns(['issuer_id', 'email']).where('email', 'is not', null)
      : kind === 'ext'
        ? oc.columns(['issuer_id', 'external_id']).where('external_id', 'is not', null)
        : oc.columns(['issuer_id', 'did']).where('did', 'is not', null).where('email', 'is', null);
  return target.doUpdateSet((eb) => ({ name: eb.ref('excluded.name') }));
}

/** Finds or creates one learner, as a statement alone, so that it can run inside another (a CTE). */
export function learnerUpsert(db: QueryCreator<Database>, issuerId: string, who: LearnerIdentity) {
  return db
    .insertInto('learners')
    .values(learnerValues(issuerId, who))
    .onConflict((oc) => onIdentity(oc, kindOf(identityKey(who))))
    .returning('id');
}

/**
 * Many learners at once, one statement per kind of identity; the same person twice is upserted
 * once. Returns the learner id for each identityKey.
 */
export async function upsertLearners(db: Kysely<Database>, issuerId: string, people: LearnerIdentity[]): Promise<Map<string, string>> {
  const byKind = new Map<IdentityKind, Map<string, LearnerIdentity>>();
  for (const who of people) {
    const key = identityKey(who);
    const kind = kindOf(key);
    if (!byKind.has(kind)) byKind.set(kind, new Map());
    byKind.get(kind)!.set(key, who);
  }
  const ids = new Map<string, string>();
  for (const [kind, keyed] of byKind) {
    const rows = await db
      .insertInto('learners')
      .values([...keyed.values()].map((who) => learnerValues(issuerId, who)))
      .onConflict((oc) => onIdentity(oc, kind))
      .returning(['id', 'email', 'external_id', 'did'])
      .execute();
    for (const r of rows) ids.set(kind === 'email' ? `email:${r.email}` : kind === 'ext' ? `ext:${r.external_id}` : `did:${r.did}`, r.id);
  }
  return ids;
}

export async function upsertLearner(db: Kysely<Database>, issuerId: string, who: LearnerIdentity): Promise<string> {
  return (await learnerUpsert(db, issuerId, who).executeTakeFirstOrThrow()).id;
}

export function findLearner(db: Kysely<Database>, issuerId: string, id: string): Promise<LearnerRow | undefined> {
  return db.selectFrom('learners').selectAll().where('issuer_id', '=', issuerId).where('id', '=', id).executeTakeFirst();
}
