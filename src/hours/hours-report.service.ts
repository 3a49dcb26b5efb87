/** A learner as their institution sees them: who, which credentials, how many hours. */
import { statusOf } from '../credentials/credential.service.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import { notFound } from '../errors.js';
import { findLearner } from '../learners/learner.repository.js';
import type { Urls } from '../urls.js';
import { listLearnerCredentials } from './hours-report.repository.js';
import type { HoursService } from './hours.service.js';

export type HoursReportService = ReturnType<typeof createHoursReportService>;

export function createHoursReportService(deps: { db: Db; urls: Urls; hours: HoursService }) {
  const { db, urls, hours } = deps;
  return {
    async learner(issuer: IssuerRow, learnerId: string) {
      const learner = await findLearner(db, issuer.id, learnerId);
      if (!learner) throw notFound(`Learner ${learnerId}`);
      const rows = await listLearnerCredentials(db, learner.id);
      return {
        id: learner.id,
        name: learner.name,
        email: learner.email,
        externalId: learner.external_id,
        did: learner.did,
        credentials: rows.map((r) => ({
          id: r.id,
          url: urls.credential(r.id),
          achievementId: r.achievement_id,
          achievementName: r.name,
          issuedAt: r.created_at.toISOString(),
          state: statusOf(r).state,
        })),
        hours: await hours.totals(learner.id),
      };
    },
  };
}
