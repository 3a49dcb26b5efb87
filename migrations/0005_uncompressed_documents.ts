// Signed documents and JWTs are stored without compression: they are written far more often than
// disk is short, and pglz on every ~4 KB document was a third of the cost of storing a cohort
// (measured on PGlite). They are still moved out of line (TOAST) when large. Frozen; never import src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table credentials alter column document set storage external, alter column jwt set storage external`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table credentials alter column document set storage extended, alter column jwt set storage extended`.execute(db);
}
