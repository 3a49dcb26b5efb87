// The training-hours ledger: one row per session attended, and the awards it triggered.
// Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('training_hours')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    .addColumn('achievement_id', 'uuid', (c) => c.notNull().references('achievements.id'))
    .addColumn('learner_id', 'uuid', (c) => c.notNull().references('learners.id'))
    .addColumn('hours', 'numeric', (c) => c.notNull().check(sql`hours > 0 and hours <= 24`))
    .addColumn('activity', 'text', (c) => c.notNull())
    .addColumn('session_date', 'date', (c) => c.notNull())
    .addColumn('evidence', 'jsonb')
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('voided_at', 'timestamptz')
    .addColumn('void_reason', 'text')
    .execute();
  await db.schema.createIndex('training_hours_learner').on('training_hours').columns(['learner_id', 'achievement_id', 'session_date']).execute();
  await sql`create unique index training_hours_idempotency on training_hours (issuer_id, idempotency_key) where idempotency_key is not null`.execute(db);

  // Exactly one credential per learner, achievement and year: the primary key decides.
  await db.schema
    .createTable('hours_awards')
    .addColumn('achievement_id', 'uuid', (c) => c.notNull().references('achievements.id'))
    .addColumn('learner_id', 'uuid', (c) => c.notNull().references('learners.id'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('credential_id', 'uuid', (c) => c.notNull().references('credentials.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('hours_awards_pk', ['achievement_id', 'learner_id', 'year'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hours_awards').execute();
  await db.schema.dropTable('training_hours').execute();
}
