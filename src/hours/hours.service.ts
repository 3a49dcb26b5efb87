/**
 * The training-hours ledger: one row per session. When a learner's total for an achievement in a
 * year reaches its requiredHours, the credential is issued with the session that completed it, in
 * the same transaction, exactly once. It is signed before that transaction (nothing signs inside
 * one): for the total the session would make, stored only if that is the total it made.
 */
import { randomUUID } from 'node:crypto';
import type { AchievementService } from '../achievements/achievement.service.js';
import { insertAuditEvents } from '../audit/audit.repository.js';
import type { CredentialService } from '../credentials/credential.service.js';
import type { Db } from '../db/database.js';
import type { AchievementRow, IssuerRow } from '../db/types.js';
import { checkDateWindow } from '../dates.js';
import { AppError, ErrorCode, badRequest, conflict, notFound } from '../errors.js';
import type { Issuance, PreparedCredential } from '../issuance/issuance.service.js';
import { findLearner, findLearnerIdByIdentity, upsertLearner } from '../learners/learner.repository.js';
import type { Urls } from '../urls.js';
import {
  findAward,
  findOwnedSession,
  findSession,
  insertAward,
  insertSession,
  learnerTotals,
  lockLearner,
  requiredHoursOf,
  sessionsOfLearner,
  voidSession,
  yearTotal,
  type SessionRow,
  type YearTotal,
} from './hours.repository.js';

export interface HoursInput {
  achievementId: string;
  learner: { name: string; email?: string; externalId?: string };
  hours: number;
  activity: string;
  date: string;
  evidence?: { url?: string; name?: string; narrative?: string }[];
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

/** Times a session is tried again when another session of the same learner changed her total first. */
const AWARD_ATTEMPTS = 5;

/** The award signed for a total that, by the time the session was stored, was no longer the total. */
class StaleAward extends Error {}

export function createHoursService(deps: { db: Db; urls: Urls; achievements: AchievementService; credentials: CredentialService; issuance: Issuance }) {
  const { db, urls, achievements, credentials, issuance } = deps;

  /** The award credential for a year's total, built and signed (not stored). */
  function prepareAward(
    issuer: IssuerRow,
    achievement: AchievementRow,
    input: HoursInput,
    year: number,
    required: number,
    at: YearTotal,
    actor: string,
  ): Promise<PreparedCredential> {
    const subject = {
      recipient: input.learner,
      creditsEarned: at.total,
      activityStartDate: at.first ?? input.date,
      activityEndDate: at.last ?? input.date,
      term: String(year),
      narrative: `${year}년 직무교육 ${at.total}시간 이수 (기준 ${required}시간)`,
    };
    return issuance.prepare(
      issuer,
      credentials.plan(issuer, achievement, subject, credentials.checkDates({ ...subject, achievementId: achievement.id }), { actor }),
    );
  }

  /**
   * Records one session. If it would complete the year, the award is signed first, for the total
   * the session would make; the transaction then stores the session, and the award with it if that
   * total is what the session made. Another session of the same learner landing in between makes it
   * stale: the transaction is rolled back and the session tried again.
   */
  async function recordOnce(issuer: IssuerRow, input: HoursInput, actor: string, idempotencyKey?: string) {
    const achievement = await achievements.findForIssuer(issuer.id, input.achievementId);
    if (achievement.kind !== 'training_hours') throw badRequest('training hours are recorded against a training_hours achievement', 'achievementId');
    const date = new Date(`${input.date}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) throw badRequest('date is not a calendar date', 'date');
    checkDateWindow('session', input.date, 'date');
    const year = date.getUTCFullYear();
    const required = Number(achievement.required_hours);

    for (let attempt = 1; ; attempt++) {
      const known = await findLearnerIdByIdentity(db, issuer.id, input.learner);
      const expected = known
        ? await yearTotal(db, known, achievement.id, year, { hours: input.hours, date: input.date })
        : { total: input.hours, first: input.date, last: input.date };
      const due = expected.total >= required && !(known && (await findAward(db, achievement.id, known, year)));
      const award = due ? await prepareAward(issuer, achievement, input, year, required, expected, actor) : undefined;
      try {
        return await db.transaction().execute(async (trx) => {
          const learnerId = await upsertLearner(trx, issuer.id, input.learner);
          await lockLearner(trx, learnerId);
          const id = randomUUID();
          await insertSession(trx, {
            id,
            issuerId: issuer.id,
            achievementId: achievement.id,
            learnerId,
            hours: input.hours,
            activity: input.activity,
            date: input.date,
            evidence: input.evidence,
            idempotencyKey: idempotencyKey ?? null,
          });
          await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'hours.recorded', subject: id, details: { learnerId, hours: input.hours } }]);
          const { total, first, last } = await yearTotal(trx, learnerId, achievement.id, year);

          let credential: { id: string; url: string; issuedNow: boolean } | null = null;
          const awarded = await findAward(trx, achievement.id, learnerId, year);
          if (awarded) {
            credential = { id: awarded, url: urls.credential(awarded), issuedNow: false };
          } else if (total >= required) {
            if (!award || total !== expected.total || first !== expected.first || last !== expected.last) throw new StaleAward();
            await issuance.store([award], trx);
            await insertAward(trx, { achievementId: achievement.id, learnerId, year, credentialId: award.id });
            credential = { id: award.id, url: award.url, issuedNow: true };
          }
          const session = await findSession(trx, id);
          return { session: sessionView(session), learnerId, year, totalHours: total, requiredHours: required, credential };
        });
      } catch (error) {
        if (!(error instanceof StaleAward)) throw error;
        if (attempt >= AWARD_ATTEMPTS) {
          throw new AppError(
            503,
            ErrorCode.unavailable,
            'Other sessions of this learner are being recorded at this moment; send this one again',
            undefined,
            undefined,
            { cause: error },
          );
        }
      }
    }
  }

  /** The answer a session recorded under this key gave, as it stands now. */
  async function replay(issuer: IssuerRow, key: string) {
    const row = await findOwnedSession(db, issuer.id, { idempotencyKey: key });
    if (!row) return undefined;
    const session = await findSession(db, row.id);
    const year = Number(session.date.slice(0, 4));
    const { total } = await yearTotal(db, row.learner_id, row.achievement_id, year);
    const award = await findAward(db, row.achievement_id, row.learner_id, year);
    return {
      session: sessionView(session),
      learnerId: row.learner_id,
      year,
      totalHours: total,
      requiredHours: await requiredHoursOf(db, row.achievement_id),
      credential: award ? { id: award, url: urls.credential(award), issuedNow: false } : null,
    };
  }

  return {
    /** With an idempotency key, a repeat answers with the first session instead of adding hours twice. */
    async record(
      issuer: IssuerRow,
      input: HoursInput,
      actor: string,
      idempotencyKey?: string,
    ): Promise<{ replayed: boolean } & Awaited<ReturnType<typeof recordOnce>>> {
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
        const row = await findOwnedSession(trx, issuer.id, { id: sessionId });
        if (!row) throw notFound(`Training session ${sessionId}`);
        if (row.voided_at) throw conflict('This session is already void');
        await lockLearner(trx, row.learner_id);
        await voidSession(trx, sessionId, reason);
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'hours.voided', subject: sessionId, details: { reason } }]);
        const session = await findSession(trx, sessionId);
        const year = Number(session.date.slice(0, 4));
        const required = await requiredHoursOf(trx, row.achievement_id);
        const { total } = await yearTotal(trx, row.learner_id, row.achievement_id, year);
        const award = await findAward(trx, row.achievement_id, row.learner_id, year);
        const belowThreshold = total < required;
        return {
          session: sessionView(session),
          totalHours: total,
          requiredHours: required,
          belowThreshold,
          credentialId: award ?? null,
          notice:
            award && belowThreshold
              ? `The total is now ${total} of ${required} hours, below the threshold, but credential ${award} was already issued; it is not revoked automatically. Revoke it if it should no longer stand.`
              : null,
        };
      });
    },

    async learnerHours(issuer: IssuerRow, learnerId: string) {
      const learner = await findLearner(db, issuer.id, learnerId);
      if (!learner) throw notFound(`Learner ${learnerId}`);
      const rows = await sessionsOfLearner(db, learner.id);
      return { learnerId: learner.id, sessions: rows.map(sessionView), totals: await learnerTotals(db, learner.id) };
    },

    totals: (learnerId: string) => learnerTotals(db, learnerId),
  };
}
