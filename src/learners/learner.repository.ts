import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, LearnerRow } from '../db/types.js';
import { normaliseId } from '../text.js';

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
  const externalId = who.externalId ? normaliseId(who.externalId) : '';
  return who.email ? `email:${normaliseEmail(who.email)}` : externalId ? `ext:${externalId}` : `did:${who.did}`;
}

const kindOf = (key: string) => key.slice(0, key.indexOf(':')) as IdentityKind;

function learnerValues(issuerId: string, who: LearnerIdentity) {
  return {
    id: randomUUID(),
    issuer_id: issuerId,
    name: who.name,
    email: who.email ? normaliseEmail(who.email) : null,
    did: who.did ?? null,
    // NFC and trimmed (src/text.ts): the NFC and NFD forms of one id are one learner.
    external_id: (who.externalId && normaliseId(who.externalId)) || null,
  };
}

/**
 * Learners found or created within one statement, as common table expressions ending in
 * `learner (id, issuer_id, identity)`. A learner is found by e-mail, else external id, else DID: one
 * upsert per kind, each naming the partial unique index that makes concurrent upserts of one person
 * safe; the latest name wins, and the same person twice is upserted once. `identity` is the
 * learner's identityKey, for the statement to join on.
 */
export function learnerUpsertsCte(people: { issuerId: string; who: LearnerIdentity }[]): RawBuilder<unknown> {
  const distinct = new Map<string, { issuerId: string; who: LearnerIdentity; key: string }>();
  for (const p of people) {
    const key = identityKey(p.who);
    distinct.set(`${p.issuerId}|${key}`, { ...p, key });
  }
  const values = [...distinct.values()].map(({ issuerId, who, key }) => {
    const v = learnerValues(issuerId, who);
    return sql`(${v.id}::uuid, ${v.issuer_id}::uuid, ${v.name}, ${v.email}, ${v.did}, ${v.external_id}, ${kindOf(key)})`;
  });
  const upsert = (kind: IdentityKind) => sql`
    insert into learners (id, issuer_id, name, email, did, external_id)
    select id, issuer_id, name, email, did, external_id from people where kind = ${sql.lit(kind)}
    on conflict ${UPSERT_TARGET[kind]} do update set name = excluded.name
    returning id, issuer_id, ${sql.lit(`${kind}:`)} || ${sql.raw(kind === 'email' ? 'email' : kind === 'ext' ? 'external_id' : 'did')} as identity`;
  // Only the kinds present get an upsert: each is a table and four indexes the statement opens.
  const present = new Set([...distinct.values()].map((p) => kindOf(p.key)));
  const kinds = (['email', 'ext', 'did'] as const).filter((kind) => present.has(kind));
  return sql`people (id, issuer_id, name, email, did, external_id, kind) as (values ${sql.join(values)}),
    ${sql.join(kinds.map((kind) => sql`${sql.raw(`by_${kind}`)} as (${upsert(kind)})`))},
    learner as (${sql.join(
      kinds.map((kind) => sql`select * from ${sql.raw(`by_${kind}`)}`),
      sql` union all `,
    )})`;
}

/** The partial unique index each kind of upsert names (learners_email, learners_external, learners_did). */
const UPSERT_TARGET: Record<IdentityKind, RawBuilder<unknown>> = {
  email: sql`(issuer_id, email) where email is not null`,
  ext: sql`(issuer_id, external_id) where external_id is not null`,
  did: sql`(issuer_id, did) where did is not null and email is null`,
};

export async function upsertLearner(db: Kysely<Database>, issuerId: string, who: LearnerIdentity): Promise<string> {
  const { rows } = await sql<{ id: string }>`with ${learnerUpsertsCte([{ issuerId, who }])} select id from learner`.execute(db);
  return rows[0]!.id;
}

export function findLearner(db: Kysely<Database>, issuerId: string, id: string): Promise<LearnerRow | undefined> {
  return db.selectFrom('learners').selectAll().where('issuer_id', '=', issuerId).where('id', '=', id).executeTakeFirst();
}

/** The learner an identity names at one institution, as the upserts would find her; undefined when there is none yet. */
export async function findLearnerIdByIdentity(db: Kysely<Database>, issuerId: string, who: LearnerIdentity): Promise<string | undefined> {
  const key = identityKey(who);
  const value = key.slice(key.indexOf(':') + 1);
  const q = db.selectFrom('learners').select('id').where('issuer_id', '=', issuerId);
  const kind = kindOf(key);
  const row = await (kind === 'email'
    ? q.where('email', '=', value)
    : kind === 'ext'
      ? q.where('external_id', '=', value)
      : q.where('did', '=', value).where('email', 'is', null)
  ).executeTakeFirst();
  return row?.id;
}
