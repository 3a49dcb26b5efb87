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
