// The learner's part: each credential's delivery by e-mail (a durable outbox), her sign-in links and
// sessions, the credentials she made private, and the collections she shares. Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per credential whose learner has an e-mail. The sender claims due rows by pushing
  // next_attempt_at forward (a lease), so a crashed sender's rows come due again by themselves.
  await db.schema
    .createTable('deliveries')
    .addColumn('credential_id', 'uuid', (c) => c.primaryKey().references('credentials.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'sent', 'failed', 'not-configured', 'not-requested')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index deliveries_due on deliveries (next_attempt_at) where state = 'pending'`.execute(db);

  // Her credentials across institutions are found by e-mail alone.
  await sql`create index learners_by_email on learners (email) where email is not null`.execute(db);
  // A private credential's public page and files say only that it is private.
  await db.schema
    .alterTable('credentials')
    .addColumn('private', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  await db.schema
    .createTable('learner_sign_in_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index learner_sign_in_links_by_email on learner_sign_in_links (email, created_at)`.execute(db);

  await db.schema
    .createTable('learner_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index learner_sessions_by_email on learner_sessions (email)`.execute(db);

  await db.schema
    .createTable('collections')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index collections_by_email on collections (email)`.execute(db);
  await db.schema
    .createTable('collection_credentials')
    .addColumn('collection_id', 'uuid', (c) => c.notNull().references('collections.id').onDelete('cascade'))
    .addColumn('credential_id', 'uuid', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('collection_credentials_pk', ['collection_id', 'credential_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('collection_credentials').execute();
  await db.schema.dropTable('collections').execute();
  await db.schema.dropTable('learner_sessions').execute();
  await db.schema.dropTable('learner_sign_in_links').execute();
  await db.schema.alterTable('credentials').dropColumn('private').execute();
  await sql`drop index learners_by_email`.execute(db);
  await db.schema.dropTable('deliveries').execute();
}
