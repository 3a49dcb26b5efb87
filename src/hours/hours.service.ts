/**
 * The training-hours ledger: one row per session. When a learner's total for an achievement in a
 * year reaches its requiredHours, the credential is issued in the same transaction, exactly once.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AchievementService } from '../achievements/achievement.service.js';
import { insertAuditEvents } from '../audit/audit.repository.js';
import type { CredentialService } from '../credentials/credential.service.js';
import type { Db } from '../db/database.js';
import type { Database, IssuerRow } from '../db/types.js';
import { checkDateWindow } from '../dates.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { findLearner, upsertLearner } from '../learners/learner.repository.js';
import type { Urls } from '../urls.js';

export interface HoursInput {
  achievementId: string;
  learner: { name: string; email?: string; externalId?: string };
  hours: number;
  activity: string;
  date: string;
  evidence?: { url?: string; name?: string; narrative?: string }[];
}

interface SessionRow {
  id: string;
  achievement_id: string;
  hours: string;
  activity: string;
  date: string;
  voided_at: Date | null;
  void_reason: string | null;
}

const sessionView = (r: SessionRow) => ({
  id: r.id,
  achievementId: r.achievement_id,
  hours: Number(r.hours),
  activity: r.activity,
  date: r.date,
  voided: r.voided_at !== null,
  voidReason: r.void_reason,
});

export type HoursService = ReturnType<typeof createHoursService>;

export function createHoursService(deps: { db: Db; urls: Urls; achievements: AchievementService; credentials: CredentialService }) {
  const { db, urls, achievements, credentials } = deps;

  function sessions(trx: Kysely<Database>) {
    return trx
      .selectFrom('training_hours')
      .select(['id', 'achievement_id', 'hours', 'activity', sql<string>`session_date::text`.as('date'), 'voided_at', 'void_reason']);
  }

  async function yearTotal(trx: Kysely<Database>, learnerId: string, achievementId: string, year: number) {
    const row = await trx
      .selectFrom('training_hours')
      .select([
        sql<string>`coalesce(sum(hours), 0)`.as('total'),
        sql<string | null>`min(session_date)::text`.as('first'),
        sql<string | null>`max(session_date)::text`.as('last'),
      ])
      .where('learner_id', '=', learnerId)
      .where('achievement_id', '=', achievementId)
      .where('voided_at', 'is', null)
      .where(sql<boolean>`extract(year from session_date) = ${year}`)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), first: row.first, last: row.last };
  }

  async function recordOnce(issuer: IssuerRow, input: HoursInput, actor: string, idempotencyKey?: string) {
    const achievement = await achievements.findForIssuer(issuer.id, input.achievementId);
    if (achievement.kind !== 'training_hours') throw badRequest('training hours are recorded against a training_hours achievement', 'achievementId');
    const date = new Date(`${input.date}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) throw badRequest('date is not a calendar date', 'date');
    checkDateWindow('session', input.date, 'date');
    const year = date.getUTCFullYear();
    const required = Number(achievement.required_hours);

    return db.transaction().execute(async (trx) => {
      const learnerId = await upsertLearner(trx, issuer.id, input.learner);
      // One session at a time per learner: two sessions crossing the threshold at once queue here,
      // and the second sees the first one's total (and its award).
      await trx.selectFrom('learners').select('id').where('id', '=', learnerId).forUpdate().execute();
      const id = randomUUID();
      await trx
        .insertInto('training_hours')
        .values({
          id,
          issuer_id: issuer.id,
          achievement_id: achievement.id,
          learner_id: learnerId,
          hours: input.hours,
          activity: input.activity,
          session_date: input.date,
          evidence: input.evidence ? JSON.stringify(input.evidence) : null,
          idempotency_key: idempotencyKey ?? null,
        })
        .execute();
      await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'hours.recorded', subject: id, details: { learnerId, hours: input.hours } }]);
      const { total, first, last } = await yearTotal(trx, learnerId, achievement.id, year);

      let credential: { id: string; url: string; issuedNow: boolean } | null = null;
      const award = await trx.selectFrom('hours_awards').select('credential_id').where('achievement_id', '=', achievement.id).where('learner_id', '=', learnerId).where('year', '=', year).executeTakeFirst();
      if (award) {
        credential = { id: award.credential_id, url: urls.credential(award.credential_id), issuedNow: false };
      } else if (total >= required) {
        const issued = await credentials.issueInTransaction(
          trx,
          issuer,
          achievement,
          {
            achievementId: achievement.id,
            recipient: input.learner,
            creditsEarned: total,
            activityStartDate: first ?? input.date,
            activityEndDate: last ?? input.date,
            term: String(year),
            narrative: `${year}년 직무교육 ${total}시간 이수 (기준 ${required}시간)`,
          },
          actor,
        );
        await trx.insertInto('hours_awards').values({ achievement_id: achievement.id, learner_id: learnerId, year, credential_id: issued.id }).execute();
        credential = { id: issued.id, url: issued.url, issuedNow: true };
      }
      const session = await sessions(trx).where('id', '=', id).executeTakeFirstOrThrow();
      return { session: sessionView(session), learnerId, year, totalHours: total, requiredHours: required, credential };
    });
  }

  /** The answer a session recorded under this key gave, as it stands now. */
  async function replay(issuer: IssuerRow, key: string) {
    const row = await db.selectFrom('training_hours').selectAll().where('issuer_id', '=', issuer.id).where('idempotency_key', '=', key).executeTakeFirst();
    if (!row) return undefined;
    const session = await sessions(db).where('id', '=', row.id).executeTakeFirstOrThrow();
    const year = Number(session.date.slice(0, 4));
    const achievement = await db.selectFrom('achievements').select('required_hours').where('id', '=', row.achievement_id).executeTakeFirstOrThrow();
    const { total } = await yearTotal(db, row.learner_id, row.achievement_id, year);
    const award = await db.selectFrom('hours_awards').select('credential_id').where('achievement_id', '=', row.achievement_id).where('learner_id', '=', row.learner_id).where('year', '=', year).executeTakeFirst();
    return {
      session: sessionView(session),
      learnerId: row.learner_id,
      year,
      totalHours: total,
      requiredHours: Number(achievement.required_hours),
      credential: award ? { id: award.credential_id, url: urls.credential(award.credential_id), issuedNow: false } : null,
    };
  }

  return {
    /** With an idempotency key, a repeat answers with the first session instead of adding hours twice. */
    async record(issuer: IssuerRow, input: HoursInput, actor: string, idempotencyKey?: string): Promise<{ replayed: boolean } & Awaited<ReturnType<typeof recordOnce>>> {
      if (idempotencyKey) {
        const earlier = await replay(issuer, idempotencyKey);
        if (earlier) return { ...earlier, replayed: true };
      }
      try {
        return { ...(await recordOnce(issuer, input, actor, idempotencyKey)), replayed: false };
      } catch (error) {
        if (idempotencyKey && (error as { code?: string }).code === '23505') {
          const earlier = await replay(issuer, idempotencyKey);
          if (earlier) return { ...earlier, replayed: true };
        }
        throw error;
      }
    },

    /** Voiding never revokes: when the total falls below the threshold it says so, and the institution decides. */
    async void(issuer: IssuerRow, sessionId: string, reason: string, actor: string) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('training_hours').selectAll().where('id', '=', sessionId).where('issuer_id', '=', issuer.id).executeTakeFirst();
        if (!row) throw notFound(`Training session ${sessionId}`);
        if (row.voided_at) throw conflict('This session is already void');
        await trx.selectFrom('learners').select('id').where('id', '=', row.learner_id).forUpdate().execute();
        await trx.updateTable('training_hours').set({ voided_at: new Date(), void_reason: reason }).where('id', '=', sessionId).execute();
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'hours.voided', subject: sessionId, details: { reason } }]);
        const session = await sessions(trx).where('id', '=', sessionId).executeTakeFirstOrThrow();
        const year = Number(session.date.slice(0, 4));
        const achievement = await trx.selectFrom('achievements').select('required_hours').where('id', '=', row.achievement_id).executeTakeFirstOrThrow();
        const required = Number(achievement.required_hours);
        const { total } = await yearTotal(trx, row.learner_id, row.achievement_id, year);
        const award = await trx.selectFrom('hours_awards').select('credential_id').where('achievement_id', '=', row.achievement_id).where('learner_id', '=', row.learner_id).where('year', '=', year).executeTakeFirst();
        const belowThreshold = total < required;
        return {
          session: sessionView(session),
          totalHours: total,
          requiredHours: required,
          belowThreshold,
          credentialId: award?.credential_id ?? null,
          notice:
            award && belowThreshold
              ? `The total is now ${total} of ${required} hours, below the threshold, but credential ${award.credential_id} was already issued; it is not revoked automatically. Revoke it if it should no longer stand.`
              : null,
        };
      });
    },

    async learnerHours(issuer: IssuerRow, learnerId: string) {
      const learner = await findLearner(db, issuer.id, learnerId);
      if (!learner) throw notFound(`Learner ${learnerId}`);
      const rows = await sessions(db).where('learner_id', '=', learner.id).orderBy('session_date').orderBy('created_at').execute();
      return { learnerId: learner.id, sessions: rows.map(sessionView), totals: await totals(learner.id) };
    },

    totals,
  };

  async function totals(learnerId: string) {
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
}
