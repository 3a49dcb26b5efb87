// The first schema. Frozen: later changes go in new files; never import from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('issuers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('image', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    // Fragment of the DID URL: did:web:…#<fragment>
    .addColumn('fragment', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull().check(sql`algorithm in ('Ed25519', 'RS256')`))
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('public_key_multibase', 'text')
    // AES-256-GCM under the key-encryption key: base64(iv | tag | ciphertext of the private JWK)
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('retired_at', 'timestamptz')
    .addUniqueConstraint('signing_keys_fragment_unique', ['issuer_id', 'fragment'])
    .execute();
  // One key per algorithm signs at a time.
  await sql`create unique index signing_keys_one_active on signing_keys (issuer_id, algorithm) where retired_at is null`.execute(db);

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    .addColumn('label', 'text')
    // SHA-256 of the token, hex; the token itself is never stored.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('achievements')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('course', 'study_group', 'training_hours')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('criteria_narrative', 'text', (c) => c.notNull())
    .addColumn('image', 'text')
    .addColumn('hours', 'numeric')
    .addColumn('required_hours', 'numeric')
    .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('ko'))
    // Kind-specific details (result descriptions, study group name and topic, …).
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('achievements_issuer').on('achievements').columns(['issuer_id', 'created_at']).execute();

  await db.schema
    .createTable('learners')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('did', 'text')
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index learners_email on learners (issuer_id, email) where email is not null`.execute(db);
  await sql`create unique index learners_did on learners (issuer_id, did) where did is not null and email is null`.execute(db);
  await sql`create unique index learners_external on learners (issuer_id, external_id) where external_id is not null`.execute(db);

  await db.schema
    .createTable('status_lists')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    // Bumped by every status change; the signed list is re-made when it lags behind.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_full', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('signed_credential', 'json')
    .addColumn('signed_version', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // At most one list per issuer and purpose takes new entries.
  await sql`create unique index status_lists_one_open on status_lists (issuer_id, purpose) where not is_full`.execute(db);

  // Every index ever handed out; the primary key makes it impossible to hand one out twice.
  await db.schema
    .createTable('status_allocations')
    .addColumn('status_list_id', 'uuid', (c) => c.notNull().references('status_lists.id'))
    .addColumn('status_index', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_allocations_pk', ['status_list_id', 'status_index'])
    .execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.notNull().references('issuers.id'))
    .addColumn('achievement_id', 'uuid', (c) => c.notNull().references('achievements.id'))
    .addColumn('learner_id', 'uuid', (c) => c.notNull().references('learners.id'))
    .addColumn('document', 'json', (c) => c.notNull())
    .addColumn('jwt', 'text', (c) => c.notNull())
    .addColumn('status_list_id', 'uuid', (c) => c.notNull().references('status_lists.id'))
    .addColumn('status_index', 'integer', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    .addColumn('valid_until', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revocation_reason', 'text')
    .addColumn('suspended_at', 'timestamptz')
    .addColumn('suspension_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('credentials_status_unique', ['status_list_id', 'status_index'])
    .execute();
  await sql`create unique index credentials_idempotency on credentials (issuer_id, idempotency_key) where idempotency_key is not null`.execute(db);
  await db.schema.createIndex('credentials_issuer_created').on('credentials').columns(['issuer_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('credentials_learner').on('credentials').columns(['learner_id']).execute();
  await db.schema.createIndex('credentials_achievement').on('credentials').columns(['achievement_id']).execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('issuer_id', 'uuid', (c) => c.references('issuers.id'))
    // 'admin' or 'api-key:<id>'
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('audit_events_issuer').on('audit_events').columns(['issuer_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_events',
    'credentials',
    'status_allocations',
    'status_lists',
    'learners',
    'achievements',
    'api_keys',
    'signing_keys',
    'issuers',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
