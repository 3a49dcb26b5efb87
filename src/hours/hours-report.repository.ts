import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';

/** A learner's credentials, oldest first, with what each awards and its revocation and suspension. */
export function listLearnerCredentials(db: Kysely<Database>, learnerId: string) {
  return db
    .selectFrom('credentials')
    .innerJoin('achievements', 'achievements.id', 'credentials.achievement_id')
    .select([
      'credentials.id',
      'credentials.achievement_id',
      'achievements.name',
      'credentials.created_at',
      'credentials.revoked_at',
      'credentials.revocation_reason',
      'credentials.suspended_at',
      'credentials.suspension_reason',
    ])
    .where('credentials.learner_id', '=', learnerId)
    .orderBy('credentials.created_at')
    .execute();
}
