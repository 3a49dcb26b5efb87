/**
 * Migration 0011 goes down and up again on both databases: its tables, its trigger and the
 * trigger's function go and come back, and the trigger then works (a copy follows its original).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as m0011 from '../../migrations/0011_wallet_offers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/app.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

const WALLET_TABLES = ['wallet_offers', 'wallet_access_tokens', 'wallet_nonces', 'wallet_copies'];

async function walletTables(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name like 'wallet_%' order by table_name`.execute(database.db);
  return rows.map((r) => r.name);
}

it('goes down and up again, and its trigger makes a copy follow its original', async () => {
  const { db } = database;
  expect(await walletTables()).toEqual([...WALLET_TABLES].sort());
  await m0011.down(db);
  expect(await walletTables()).toEqual([]);
  const { rows: functions } = await sql<{
    n: number;
  }>`select count(*)::int as n from pg_proc p join pg_namespace s on s.oid = p.pronamespace where p.proname = 'wallet_copies_follow_original' and s.nspname = current_schema()`.execute(
    db,
  );
  expect(functions[0]!.n).toBe(0);
  await m0011.up(db);
  expect(await walletTables()).toEqual([...WALLET_TABLES].sort());

  const issuerId = randomUUID();
  const listId = randomUUID();
  const learnerId = randomUUID();
  const [original, copy] = [randomUUID(), randomUUID()];
  await sql`insert into issuers (id, slug, name, url, email) values (${issuerId}, 'm11', '기관', 'https://m11.example', 'a@m11.example')`.execute(db);
  await sql`insert into status_lists (id, issuer_id, purpose, capacity, shuffle_seed) values (${listId}, ${issuerId}, 'revocation', 10, ${randomBytes(32)})`.execute(
    db,
  );
  await sql`insert into learners (id, issuer_id, name) values (${learnerId}, ${issuerId}, '학습자')`.execute(db);
  for (const [id, index] of [
    [original, 1],
    [copy, 2],
  ] as const) {
    await sql`insert into credentials (id, issuer_id, learner_id, document, jwt, status_list_id, status_index, valid_from)
      values (${id}, ${issuerId}, ${learnerId}, '{}', 'e30..c2ln', ${listId}, ${index}, now())`.execute(db);
  }
  await sql`insert into wallet_copies (copy_id, original_id, holder, configuration_id, token_hash) values (${copy}, ${original}, 'did:key:z6Mk', 'x', 'h')`.execute(
    db,
  );
  const version = async () => (await sql<{ v: number }>`select version as v from status_lists where id = ${listId}`.execute(db)).rows[0]!.v;
  const before = await version();
  await sql`update credentials set revoked_at = now(), revocation_reason = '착오' where id = ${original}`.execute(db);
  const { rows } = await sql<{
    revoked_at: Date | null;
    revocation_reason: string | null;
  }>`select revoked_at, revocation_reason from credentials where id = ${copy}`.execute(db);
  expect(rows[0]!.revoked_at).not.toBeNull();
  expect(rows[0]!.revocation_reason).toBe('착오');
  expect(await version()).toBe(before + 1);
  const { rows: audit } = await sql<{ action: string; actor: string }>`select action, actor from audit_events where subject = ${copy}`.execute(db);
  expect(audit).toEqual([{ action: 'credential.revoked', actor: 'wallet-copy' }]);
});
