// A credential's id is unique across the service. Ours are <PUBLIC_URL>/c/<row id>; an id that a
// VC-API caller chose is kept in caller_id under a unique index, so no second row can carry another
// institution's credential id (a penetration test did exactly that). Rows stored before this whose
// document id is not their own /c/<row id> get it as caller_id; where two already share one, the
// oldest keeps it. Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('caller_id', 'text').execute();
  await sql`
    update credentials c set caller_id = c.document->>'id'
    where c.document->>'id' is not null
      and c.document->>'id' not like ('%/c/' || c.id)
      and not exists (
        select 1 from credentials o
        where o.document->>'id' = c.document->>'id' and (o.created_at, o.id) < (c.created_at, c.id)
      )`.execute(db);
  await db.schema.createIndex('credentials_caller_id').unique().on('credentials').column('caller_id').where(sql.ref('caller_id'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('credentials_caller_id').execute();
  await db.schema.alterTable('credentials').dropColumn('caller_id').execute();
}
