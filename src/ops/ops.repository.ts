/** The queries of the operations commands (backup, key rotation, doctor) over the service's tables. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/types.js';

type AnyDb = Kysely<Database> | Transaction<Database>;

/** Credentials per institution (slug), every institution named even with none. */
export async function countCredentialsPerIssuer(db: AnyDb): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('issuers as i')
    .leftJoin('credentials as c', 'c.issuer_id', 'i.id')
    .select(['i.slug', (eb) => eb.fn.count<number>('c.id').as('n')])
    .groupBy('i.slug')
    .orderBy('i.slug')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.slug, Number(r.n)]));
}

export interface InstitutionCounts {
  slug: string;
  credentials: number;
  revoked: number;
  suspended: number;
  statusLists: number;
  signingKeys: number;
  apiKeys: number;
}

export async function countPerInstitution(db: AnyDb): Promise<InstitutionCounts[]> {
  const { rows } = await sql<InstitutionCounts>`
    select i.slug,
      (select count(*) from credentials c where c.issuer_id = i.id)::int as credentials,
      (select count(*) from credentials c where c.issuer_id = i.id and c.revoked_at is not null)::int as revoked,
      (select count(*) from credentials c where c.issuer_id = i.id and c.suspended_at is not null and c.revoked_at is null)::int as suspended,
      (select count(*) from status_lists s where s.issuer_id = i.id)::int as "statusLists",
      (select count(*) from signing_keys k where k.issuer_id = i.id)::int as "signingKeys",
      (select count(*) from api_keys a where a.issuer_id = i.id and a.revoked_at is null)::int as "apiKeys"
    from issuers i order by i.slug`.execute(db);
  return rows;
}

export function listSealedKeys(db: AnyDb) {
  return db
    .selectFrom('signing_keys as k')
    .innerJoin('issuers as i', 'i.id', 'k.issuer_id')
    .select(['k.id', 'i.slug', 'k.private_key_sealed'])
    .orderBy('k.id')
    .execute();
}

export async function updateSealedKey(trx: Transaction<Database>, id: string, sealed: string): Promise<void> {
  await trx.updateTable('signing_keys').set({ private_key_sealed: sealed }).where('id', '=', id).execute();
}

export function findCanary(db: AnyDb) {
  return db.selectFrom('key_encryption_check').select('sealed').where('id', '=', 1).executeTakeFirst();
}

/** Sets the canary to one sealed under the new key (inserting it when the database never had one). */
export async function replaceCanary(trx: Transaction<Database>, sealed: string): Promise<void> {
  await trx
    .insertInto('key_encryption_check')
    .values({ id: 1, sealed })
    .onConflict((oc) => oc.column('id').doUpdateSet({ sealed }))
    .execute();
}

/** Every status list, with its issuer's slug and its signed copy. */
export function listStatusLists(db: AnyDb) {
  return db
    .selectFrom('status_lists as s')
    .innerJoin('issuers as i', 'i.id', 's.issuer_id')
    .select(['s.id', 'i.slug', 's.issuer_id', 's.purpose', 's.capacity', 's.version', 's.signed_version', 's.signed_credential', 's.allocated', 's.is_full'])
    .orderBy('s.id')
    .execute();
}

export async function listRevokedIndexesOf(db: AnyDb, listId: string): Promise<number[]> {
  const rows = await db.selectFrom('credentials').select('status_index').where('status_list_id', '=', listId).where('revoked_at', 'is not', null).execute();
  return rows.map((r) => r.status_index);
}

/** Credentials whose status index is outside its list, or shared with another credential. */
export async function findBadStatusIndexes(db: AnyDb): Promise<{ id: string; problem: string }[]> {
  const { rows } = await sql<{ id: string; problem: string }>`
    select c.id, 'index ' || c.status_index || ' is outside its list' as problem
    from credentials c join status_lists s on s.id = c.status_list_id
    where c.status_index < 0 or c.status_index >= s.capacity
    union all
    select min(c.id::text)::uuid, 'index ' || c.status_index || ' of list ' || c.status_list_id || ' is used by ' || count(*) || ' credentials'
    from credentials c group by c.status_list_id, c.status_index having count(*) > 1
    limit 20`.execute(db);
  return rows;
}

/** The public keys (did.json material) of an institution, for checking a status list's proof. */
export function listPublicKeys(db: AnyDb, issuerId: string) {
  return db.selectFrom('signing_keys').select(['id', 'fragment', 'algorithm', 'public_key_multibase']).where('issuer_id', '=', issuerId).execute();
}

/** Other client sessions on this PostgreSQL database: running instances, most likely. */
export async function countOtherSessions(db: AnyDb): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`.execute(db);
  return rows[0]?.n ?? 0;
}
