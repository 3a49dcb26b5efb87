import type { Kysely } from 'kysely';
import type { AchievementRow, Database, NewAchievement } from '../db/types.js';

export function findAchievement(db: Kysely<Database>, id: string): Promise<AchievementRow | undefined> {
  return db.selectFrom('achievements').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertAchievement(db: Kysely<Database>, values: NewAchievement): Promise<AchievementRow> {
  return db.insertInto('achievements').values(values).returningAll().executeTakeFirstOrThrow();
}

/** The institution's newest achievements first, at most `limit`. */
export function listAchievements(db: Kysely<Database>, issuerId: string, limit: number): Promise<AchievementRow[]> {
  return db.selectFrom('achievements').selectAll().where('issuer_id', '=', issuerId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Sets an achievement's English name and description (the fields given; null clears one). Undefined when it is not this institution's. */
export function updateAchievementEnglish(
  db: Kysely<Database>,
  issuerId: string,
  id: string,
  change: { name_en?: string | null; description_en?: string | null },
): Promise<AchievementRow | undefined> {
  return db.updateTable('achievements').set(change).where('id', '=', id).where('issuer_id', '=', issuerId).returningAll().executeTakeFirst();
}
