/**
 * What belongs to a learner across institutions, found by her normalised e-mail: a learner is a row
 * per institution (learners.issuer_id), and "her credentials" are those of every row with her e-mail.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** Her learner rows, at every institution (the index learners_by_email). */
const herLearners = (db: Db, email: string) => db.selectFrom('learners').select('id').where('email', '=', email);

/** Whether any institution here has issued her a credential. */
export async function hasCredentials(db: Db, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('credentials')
    .select('credentials.id')
    .where('credentials.learner_id', 'in', herLearners(db, email))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Her credentials, newest first (by the date each is valid from, then by when it was stored). */
export function listHerCredentials(db: Db, email: string) {
  return db
    .selectFrom('credentials')
    .innerJoin('issuers', 'issuers.id', 'credentials.issuer_id')
    .leftJoin('achievements', 'achievements.id', 'credentials.achievement_id')
    .select([
      'credentials.id',
      'credentials.valid_from',
      'credentials.valid_until',
      'credentials.created_at',
      'credentials.private',
      'credentials.revoked_at',
      'credentials.revocation_reason',
      'credentials.suspended_at',
      'credentials.suspension_reason',
      'achievements.kind',
      'achievements.name as achievement_name',
      'issuers.name as issuer_name',
      'issuers.slug as issuer_slug',
    ])
    .where('credentials.learner_id', 'in', herLearners(db, email))
    .orderBy('credentials.valid_from', 'desc')
    .orderBy('credentials.created_at', 'desc')
    .orderBy('credentials.id', 'desc')
    .execute();
}

/** Her credentials with their signed forms, for the download of everything. */
export function listHerSignedCredentials(db: Db, email: string) {
  return db
    .selectFrom('credentials')
    .select(['id', 'document', 'jwt', 'private'])
    .where('learner_id', 'in', herLearners(db, email))
    .orderBy('valid_from', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
}

/** Of `ids`, those that are hers. */
export async function filterHerCredentialIds(db: Db, email: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('credentials').select('id').where('id', 'in', ids).where('learner_id', 'in', herLearners(db, email)).execute();
  return new Set(rows.map((r) => r.id));
}

/** Makes one of her credentials private or public; false when it is not hers (or does not exist). */
export async function setCredentialPrivate(db: Db, email: string, id: string, isPrivate: boolean): Promise<boolean> {
  const row = await db
    .updateTable('credentials')
    .set({ private: isPrivate })
    .where('id', '=', id)
    .where('learner_id', 'in', herLearners(db, email))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Her training hours (the ledger: sessions not voided, src/hours) per institution and calendar year,
 * newest year first.
 */
export async function sumHerHours(db: Db, email: string) {
  const rows = await db
    .selectFrom('training_hours')
    .innerJoin('issuers', 'issuers.id', 'training_hours.issuer_id')
    .select([
      'issuers.name as issuer_name',
      'issuers.slug as issuer_slug',
      sql<number>`extract(year from training_hours.session_date)::int`.as('year'),
      sql<string>`sum(training_hours.hours)::text`.as('total'),
    ])
    .where('training_hours.learner_id', 'in', herLearners(db, email))
    .where('training_hours.voided_at', 'is', null)
    .groupBy(['issuers.name', 'issuers.slug', sql`extract(year from training_hours.session_date)`])
    .orderBy('year', 'desc')
    .orderBy('issuers.name')
    .execute();
  return rows.map((r) => ({ issuerName: r.issuer_name, issuerSlug: r.issuer_slug, year: Number(r.year), totalHours: Number(r.total) }));
}
