// A status list hands out its indexes in a secret shuffled order (src/status/shuffle.ts): how many
// it has handed out is one counter, and the seed of the order is kept with the list. This replaces
// status_allocations, a row per index drawn at random, which cost as much to write as the
// credentials themselves. Lists still open were filled at random and cannot follow an order, so
// they are closed; the next credential opens a new list. Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`update status_lists set is_full = true where not is_full`.execute(db);
  await sql`
    alter table status_lists
      add column allocated integer not null default 0,
      add column shuffle_seed bytea,
      add constraint status_lists_allocated_in_range check (allocated between 0 and capacity),
      add constraint status_lists_open_has_seed check (is_full or shuffle_seed is not null)`.execute(db);
  await db.schema.dropTable('status_allocations').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('status_allocations')
    .addColumn('status_list_id', 'uuid', (c) => c.notNull().references('status_lists.id'))
    .addColumn('status_index', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_allocations_pk', ['status_list_id', 'status_index'])
    .execute();
  // Indexes handed out but not (yet) used are not known here, so no open list may take more.
  await sql`insert into status_allocations (status_list_id, status_index) select status_list_id, status_index from credentials`.execute(db);
  await sql`update status_lists set is_full = true where not is_full`.execute(db);
  await sql`
    alter table status_lists
      drop constraint status_lists_open_has_seed,
      drop constraint status_lists_allocated_in_range,
      drop column shuffle_seed,
      drop column allocated`.execute(db);
}
