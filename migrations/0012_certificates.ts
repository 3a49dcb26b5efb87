// Printable certificates (GET /c/{id}/certificate.pdf): each institution's look (English name,
// signatory, logo and seal images), achievements' optional English name and description, and the
// certificate numbers (발급번호), one per credential, counted per institution and year.
// Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Apart from issuers: the images are kilobytes, and issuer rows are read on every API call.
  await db.schema
    .createTable('certificate_settings')
    .addColumn('issuer_id', 'uuid', (c) => c.primaryKey().references('issuers.id').onDelete('cascade'))
    .addColumn('name_en', 'text')
    .addColumn('signatory_name', 'text')
    .addColumn('signatory_title', 'text')
    .addColumn('signatory_name_en', 'text')
    .addColumn('signatory_title_en', 'text')
    // PNG bytes, checked when stored.
    .addColumn('logo', 'bytea')
    .addColumn('seal', 'bytea')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.alterTable('achievements').addColumn('name_en', 'text').execute();
  await db.schema.alterTable('achievements').addColumn('description_en', 'text').execute();

  // The last number handed out per institution and year. Taking one updates this row, so two
  // first renders for one institution and year queue on its lock instead of racing for a number.
  await db.schema
    .createTable('certificate_counters')
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id').onDelete('cascade'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('certificate_counters_pk', ['issuer_id', 'year'])
    .execute();

  await db.schema
    .createTable('certificate_numbers')
    .addColumn('credential_id', 'uuid', (c) => c.primaryKey().references('credentials.id').onDelete('cascade'))
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id').onDelete('cascade'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('serial', 'integer', (c) => c.notNull().check(sql`serial > 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('certificate_numbers_unique', ['issuer_id', 'year', 'serial'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('certificate_numbers').execute();
  await db.schema.dropTable('certificate_counters').execute();
  await db.schema.alterTable('achievements').dropColumn('description_en').execute();
  await db.schema.alterTable('achievements').dropColumn('name_en').execute();
  await db.schema.dropTable('certificate_settings').execute();
}
