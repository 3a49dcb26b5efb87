/** The training-hours ledger's queries: sessions, yearly totals and the awards they earned. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.js';

type Db = Kysely<Database>;

export interface SessionRow {
  id: string;
  achievement_id: string;
  hours: string;
  activity: string;
  date: string;
  voided_at: Date | null;
  void_reason: string | null;
}

function sessions(db: Db) {
  return db
    .selectFrom('training_hours')
    .select(['id', 'achievement_id', 'hours', 'activity', sql<string>`session_date::text`.as('date'), 'voided_at', 'void_reason']);
}

export function findSession(db: Db, id: string): Promise<SessionRow> {
  return sessions(db).where('id', '=', id).executeTakeFirstOrThrow();
}

export function sessionsOfLearner(db: Db, learnerId: string): Promise<SessionRow[]> {
  return sessions(db).where('learner_id', '=', learnerId).orderBy('session_date').orderBy('created_at').execute();
}

/** A session row of this issuer's, by id or by the idempotency key it was recorded under. */
export function findOwnedSession(db: Db, issuerId: string, by: { id: string } | { idempotencyKey: string }) {
  const q = db.selectFrom('training_hours').selectAll().where('issuer_id', '=', issuerId);
  return ('id' in by ? q.where('id', '=', by.id) : q.where('idempotency_key', '=', by.idempotencyKey)).executeTakeFirst();
}

export async function insertSession(
  db: Db,
  session: {
    id: string;
    issuerId: string;
    achievementId: string;
    learnerId: string;
    hours: number;
    activity: string;
    date: string;
    evidence: unknown[] | undefined;
    idempotencyKey: string | null;
  },
): Promise<void> {
  await db
    .insertInto('training_hours')
    .values({
      id: session.id,
      issuer_id: session.issuerId,
      achievement_id: session.achievementId,
      learner_id: session.learnerId,
      hours: session.hours,
      activity: session.activity,
      session_date: session.date,
      evidence: session.evidence ? JSON.stringify(session.evidence) : null,
      idempotency_key: session.idempotencyKey,
    })
    .execute();
}

export async function voidSession(db: Db, id: string, reason: string): Promise<void> {
  await db.updateTable('training_hours').set({ voided_at: new Date(), void_reason: reason }).where('id', '=', id).execute();
}

/** One session at a time per learner: two sessions crossing the threshold at once queue here. */
export async function lockLearner(db: Db, learnerId: string): Promise<void> {
  await db.selectFrom('learners').select('id').where('id', '=', learnerId).forUpdate().execute();
}

export interface YearTotal {
  total: number;
  first: string | null;
  last: string | null;
}

/**
 * A learner's hours for an achievement in a year (sessions not voided), with the first and last day.
 * With `plus`, as they would stand with one more session: summed by the database, exactly as the
 * total is summed once that session is in (numeric, never a binary float).
 */
export async function yearTotal(db: Db, learnerId: string, achievementId: string, year: number, plus?: { hours: number; date: string }): Promise<YearTotal> {
  const row = await db
    .selectFrom('training_hours')
    .select(
      plus
        ? [
            sql<string>`(coalesce(sum(hours), 0) + ${plus.hours}::numeric)::text`.as('total'),
            sql<string | null>`least(min(session_date), ${plus.date}::date)::text`.as('first'),
            sql<string | null>`greatest(max(session_date), ${plus.date}::date)::text`.as('last'),
          ]
        : [
            sql<string>`coalesce(sum(hours), 0)::text`.as('total'),
            sql<string | null>`min(session_date)::text`.as('first'),
            sql<string | null>`max(session_date)::text`.as('last'),
          ],
    )
    .where('learner_id', '=', learnerId)
    .where('achievement_id', '=', achievementId)
    .where('voided_at', 'is', null)
    .where(sql<boolean>`extract(year from session_date) = ${year}`)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), first: row.first, last: row.last };
}

export async function findAward(db: Db, achievementId: string, learnerId: string, year: number): Promise<string | undefined> {
  return (
    await db
      .selectFrom('hours_awards')
      .select('credential_id')
      .where('achievement_id', '=', achievementId)
      .where('learner_id', '=', learnerId)
      .where('year', '=', year)
      .executeTakeFirst()
  )?.credential_id;
}

export async function insertAward(db: Db, award: { achievementId: string; learnerId: string; year: number; credentialId: string }): Promise<void> {
  await db
    .insertInto('hours_awards')
    .values({ achievement_id: award.achievementId, learner_id: award.learnerId, year: award.year, credential_id: award.credentialId })
    .execute();
}

export async function requiredHoursOf(db: Db, achievementId: string): Promise<number> {
  const row = await db.selectFrom('achievements').select('required_hours').where('id', '=', achievementId).executeTakeFirstOrThrow();
  return Number(row.required_hours);
}

/** A learner's totals per achievement and year, with the award each earned. */
export async function learnerTotals(db: Db, learnerId: string) {
  const rows = await db
    .selectFrom('training_hours')
    .innerJoin('achievements', 'achievements.id', 'training_hours.achievement_id')
    .leftJoin('hours_awards', (join) =>
      join
        .onRef('hours_awards.achievement_id', '=', 'training_hours.achievement_id')
        .onRef('hours_awards.learner_id', '=', 'training_hours.learner_id')
        .on(sql<boolean>`hours_awards.year = extract(year from training_hours.session_date)`),
    )
    .select([
      'training_hours.achievement_id',
      'achievements.name',
      'achievements.required_hours',
      sql<number>`extract(year from training_hours.session_date)::int`.as('year'),
      sql<string>`sum(training_hours.hours)`.as('total'),
      sql<string | null>`max(hours_awards.credential_id::text)`.as('credential_id'),
    ])
    .where('training_hours.learner_id', '=', learnerId)
    .where('training_hours.voided_at', 'is', null)
    .groupBy(['training_hours.achievement_id', 'achievements.name', 'achievements.required_hours', sql`extract(year from training_hours.session_date)`])
    .orderBy('year')
    .execute();
  return rows.map((r) => ({
    achievementId: r.achievement_id,
    achievementName: r.name,
    year: Number(r.year),
    totalHours: Number(r.total),
    requiredHours: r.required_hours === null ? null : Number(r.required_hours),
    credentialId: r.credential_id,
  }));
}
