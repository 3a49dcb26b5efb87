/** The tables behind printable certificates: each institution's look, and the certificate numbers. */
import type { Kysely } from 'kysely';
import type { CertificateSettingsTable, Database } from '../db/types.js';

/**
 * What a certificate is made from, in one read: the signed document, its state, its learner's e-mail
 * (a private credential is shown to her session alone), the achievement's kind and English words,
 * the institution, when its look last changed, and the certificate number if one is taken.
 * Only credentials of an achievement (never a CLR). `id`: a lowercase uuid.
 */
export function readCertificateSource(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('credentials')
    .innerJoin('achievements', 'achievements.id', 'credentials.achievement_id')
    .innerJoin('issuers', 'issuers.id', 'credentials.issuer_id')
    .innerJoin('learners', 'learners.id', 'credentials.learner_id')
    .leftJoin('certificate_settings', 'certificate_settings.issuer_id', 'credentials.issuer_id')
    .leftJoin('certificate_numbers', 'certificate_numbers.credential_id', 'credentials.id')
    .select([
      'credentials.id',
      'credentials.issuer_id',
      'credentials.document',
      'credentials.valid_from',
      'credentials.valid_until',
      'credentials.revoked_at',
      'credentials.revocation_reason',
      'credentials.suspended_at',
      'credentials.suspension_reason',
      'credentials.private',
      'learners.email',
      'achievements.kind',
      'achievements.name_en',
      'achievements.description_en',
      'issuers.slug',
      'certificate_settings.updated_at as look_updated_at',
      'certificate_numbers.year as number_year',
      'certificate_numbers.serial as number_serial',
    ])
    .where('credentials.id', '=', id)
    .executeTakeFirst();
}

export type CertificateSourceRow = NonNullable<Awaited<ReturnType<typeof readCertificateSource>>>;

export function findCertificateSettings(db: Kysely<Database>, issuerId: string) {
  return db.selectFrom('certificate_settings').selectAll().where('issuer_id', '=', issuerId).executeTakeFirst();
}

export type SettingsChange = Partial<Omit<CertificateSettingsTable, 'issuer_id' | 'updated_at'>>;

/** Sets the fields given (null clears one), leaving the others as they are; one statement, so two changes never lose each other's fields. */
export async function mergeCertificateSettings(db: Kysely<Database>, issuerId: string, change: SettingsChange) {
  const now = new Date();
  return db
    .insertInto('certificate_settings')
    .values({
      issuer_id: issuerId,
      name_en: null,
      signatory_name: null,
      signatory_title: null,
      signatory_name_en: null,
      signatory_title_en: null,
      logo: null,
      seal: null,
      ...change,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('issuer_id').doUpdateSet({ ...change, updated_at: now }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findCertificateNumber(db: Kysely<Database>, credentialId: string) {
  return db.selectFrom('certificate_numbers').select(['year', 'serial']).where('credential_id', '=', credentialId).executeTakeFirst();
}

/** The credential was numbered by someone else meanwhile: the transaction that tried is undone. */
class AlreadyNumbered extends Error {}

/**
 * The credential's number, taken now if it has none: the next of its institution's year. The counter
 * row's update and the number's insert stand or fall together, so numbers have no gaps; concurrent
 * takers for one institution and year queue on the counter row's lock (PostgreSQL and PGlite alike),
 * and a second taker for the same credential finds the first one's number (its own try rolled back).
 */
export async function takeCertificateNumber(db: Kysely<Database>, credential: { id: string; issuerId: string; year: number }) {
  const existing = await findCertificateNumber(db, credential.id);
  if (existing) return existing;
  try {
    return await db.transaction().execute(async (trx) => {
      const counter = await trx
        .insertInto('certificate_counters')
        .values({ issuer_id: credential.issuerId, year: credential.year, last: 1 })
        .onConflict((oc) => oc.columns(['issuer_id', 'year']).doUpdateSet((eb) => ({ last: eb('certificate_counters.last', '+', 1) })))
        .returning('last')
        .executeTakeFirstOrThrow();
      const taken = await trx
        .insertInto('certificate_numbers')
        .values({ credential_id: credential.id, issuer_id: credential.issuerId, year: credential.year, serial: counter.last })
        .onConflict((oc) => oc.column('credential_id').doNothing())
        .returning(['year', 'serial'])
        .executeTakeFirst();
      if (!taken) throw new AlreadyNumbered();
      return taken;
    });
  } catch (error) {
    if (!(error instanceof AlreadyNumbered)) throw error;
    return (await findCertificateNumber(db, credential.id))!;
  }
}
