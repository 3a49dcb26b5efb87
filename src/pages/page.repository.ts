/** The pages' reads: a credential with what its page shows of its achievement. */
import type { Db } from '../db/database.js';

/** `id`: a lowercase uuid. */
export function readPublicCredential(db: Db, id: string) {
  return db
    .selectFrom('credentials')
    .leftJoin('achievements', 'achievements.id', 'credentials.achievement_id')
    .select(['credentials.id', 'credentials.document', 'credentials.jwt', 'achievements.kind', 'achievements.image'])
    .where('credentials.id', '=', id)
    .executeTakeFirst();
}

/** Whether a credential is private, and its learner's e-mail (whose own session still sees it whole). */
export function readCredentialPrivacy(db: Db, id: string) {
  return db
    .selectFrom('credentials')
    .innerJoin('learners', 'learners.id', 'credentials.learner_id')
    .select(['credentials.private', 'learners.email'])
    .where('credentials.id', '=', id)
    .executeTakeFirst();
}
