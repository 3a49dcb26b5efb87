import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';

/**
 * The credentials a learner was awarded at one institution, oldest first, with their status. Earlier
 * CLRs (rows without an achievement) are records, not awards: never nested in the next one.
 */
export function learnersAwards(db: Kysely<Database>, issuerId: string, learnerId: string) {
  return db
    .selectFrom('credentials')
    .select(['id', 'document', 'revoked_at', 'suspended_at'])
    .where('issuer_id', '=', issuerId)
    .where('learner_id', '=', learnerId)
    .where('achievement_id', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
