// CLR 2.0 records (ClrCredential) are credentials too: same status list, same revocation, same
// public page at /c/<id>. They award no single achievement, so a credential's achievement becomes
// optional; a row without one is a CLR. Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('credentials')
    .alterColumn('achievement_id', (c) => c.dropNotNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // CLR rows have no achievement and cannot stay once the constraint is back.
  await sql`delete from credentials where achievement_id is null`.execute(db);
  await db.schema
    .alterTable('credentials')
    .alterColumn('achievement_id', (c) => c.setNotNull())
    .execute();
}
