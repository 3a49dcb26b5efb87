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

/** The institutions the home page lists, by name, at most `limit`: name, slug and English name. */
export function listInstitutions(db: Db, limit: number) {
  return db
    .selectFrom('issuers')
    .leftJoin('certificate_settings', 'certificate_settings.issuer_id', 'issuers.id')
    .select(['issuers.slug', 'issuers.name', 'certificate_settings.name_en'])
    .orderBy('issuers.name')
    .orderBy('issuers.slug')
    .limit(limit)
    .execute();
}

/** An institution's page: its profile, English name, and whether it has a logo (the bytes are read by readInstitutionLogo). */
export function readInstitution(db: Db, slug: string) {
  return db
    .selectFrom('issuers')
    .leftJoin('certificate_settings', 'certificate_settings.issuer_id', 'issuers.id')
    .select((eb) => [
      'issuers.id',
      'issuers.slug',
      'issuers.name',
      'issuers.url',
      'issuers.description',
      'issuers.image',
      'certificate_settings.name_en',
      eb('certificate_settings.logo', 'is not', null).as('has_logo'),
    ])
    .where('issuers.slug', '=', slug)
    .executeTakeFirst();
}

/** The logo an institution set for its certificates (PNG bytes), and its image (a data: URI or a URL). */
export function readInstitutionLogo(db: Db, slug: string) {
  return db
    .selectFrom('issuers')
    .leftJoin('certificate_settings', 'certificate_settings.issuer_id', 'issuers.id')
    .select(['certificate_settings.logo', 'issuers.image'])
    .where('issuers.slug', '=', slug)
    .executeTakeFirst();
}

/** The achievements an institution's page lists, oldest first, at most `limit`. */
export function listInstitutionAchievements(db: Db, issuerId: string, limit: number) {
  return db
    .selectFrom('achievements')
    .select(['id', 'kind', 'name', 'name_en', 'description', 'description_en', 'hours', 'required_hours'])
    .where('issuer_id', '=', issuerId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}
