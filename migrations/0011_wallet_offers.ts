// Wallets (OpenID4VCI 1.0, pre-authorized code flow): credential offers, the access tokens they
// are exchanged for, the nonces key proofs sign, and the holder-bound copies issued to wallets,
// each tied to its original. Secrets are kept only as SHA-256 digests. Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One offer: a pre-authorized code for one credential, single use, short-lived, with an optional
  // transaction code (its digest) and the wrong guesses made at it.
  await db.schema
    .createTable('wallet_offers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('credential_id', 'uuid', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('tx_code_hash', 'text')
    .addColumn('tx_code_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('configuration_ids', 'jsonb', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index wallet_offers_by_credential on wallet_offers (credential_id)`.execute(db);

  // The access token a used offer gave: good for its credential only, for a few minutes.
  await db.schema
    .createTable('wallet_access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('offer_id', 'uuid', (c) => c.notNull().references('wallet_offers.id').onDelete('cascade'))
    .addColumn('credential_id', 'uuid', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // c_nonce values handed out by the nonce endpoint: each accepted in one key proof only.
  await db.schema
    .createTable('wallet_nonces')
    .addColumn('nonce_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await sql`create index wallet_nonces_by_expiry on wallet_nonces (expires_at)`.execute(db);

  // A holder-bound copy: a credential row of its own (its own id and status index), issued from
  // `original_id` to the holder's DID, one per access token and credential configuration.
  await db.schema
    .createTable('wallet_copies')
    .addColumn('copy_id', 'uuid', (c) => c.primaryKey().references('credentials.id').onDelete('cascade'))
    .addColumn('original_id', 'uuid', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('configuration_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('wallet_copies_once_per_token', ['token_hash', 'configuration_id'])
    .execute();
  await sql`create index wallet_copies_by_original on wallet_copies (original_id)`.execute(db);

  // A copy follows its original's status, whatever changed it (the API, the CLI, a script): when the
  // original is revoked, suspended or unsuspended, so are its copies that are not revoked themselves,
  // in the same statement (so the same transaction), and the status lists of copies newly revoked
  // are re-signed on their next read (their version moves), as a revocation of the original's does.
  await sql`
    create function wallet_copies_follow_original() returns trigger language plpgsql as $$
    begin
      with changed as (
        update credentials c
           set revoked_at = new.revoked_at, revocation_reason = new.revocation_reason,
               suspended_at = new.suspended_at, suspension_reason = new.suspension_reason
          from wallet_copies w
         where w.original_id = new.id and c.id = w.copy_id and c.revoked_at is null
        returning c.id, c.issuer_id, c.status_list_id, c.revoked_at is not null as revoked, c.suspended_at is not null as suspended
      ), lists as (
        update status_lists s set version = s.version + 1
         where s.id in (select status_list_id from changed where revoked)
      )
      insert into audit_events (issuer_id, actor, action, subject, details)
      select issuer_id, 'wallet-copy', case when revoked then 'credential.revoked' when suspended then 'credential.suspended' else 'credential.unsuspended' end,
             id::text, jsonb_build_object('followed', new.id::text, 'reason', coalesce(new.revocation_reason, new.suspension_reason))
        from changed;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger credentials_wallet_copies_follow after update of revoked_at, suspended_at on credentials
    for each row when (old.revoked_at is distinct from new.revoked_at or old.suspended_at is distinct from new.suspended_at)
    execute function wallet_copies_follow_original()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger credentials_wallet_copies_follow on credentials`.execute(db);
  await sql`drop function wallet_copies_follow_original()`.execute(db);
  await db.schema.dropTable('wallet_copies').execute();
  await db.schema.dropTable('wallet_nonces').execute();
  await db.schema.dropTable('wallet_access_tokens').execute();
  await db.schema.dropTable('wallet_offers').execute();
}
