/**
 * A learner's sign-in links and sessions. Only SHA-256 digests of their tokens are stored; every
 * time is the database's (`now()`), so all instances agree on what has expired.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/**
 * Stores a link unless `email` already had `max` links within the last `windowSeconds` (the
 * per-e-mail limit, counted here so that every instance counts the same rows). Requests for one
 * e-mail take turns on a transaction-scoped advisory lock, so that two at once cannot both see
 * room for one more. True when stored.
 */
export async function insertSignInLinkWithinLimit(
  db: Db,
  link: { tokenHash: string; email: string; lifetimeSeconds: number },
  limit: { max: number; windowSeconds: number },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`ieum.sign-in-links:${link.email}`}))`.execute(trx);
    const { rows } = await sql<{ token_hash: string }>`
      insert into learner_sign_in_links (token_hash, email, expires_at)
      select ${link.tokenHash}, ${link.email}, now() + make_interval(secs => ${link.lifetimeSeconds})
      where (select count(*) from learner_sign_in_links
             where email = ${link.email} and created_at > now() - make_interval(secs => ${limit.windowSeconds})) < ${limit.max}
      returning token_hash`.execute(trx);
    return rows.length === 1;
  });
}

/** Links that can no longer be used and no longer count towards a limit (older than a day). */
export async function deleteStaleSignInLinks(db: Db, email: string): Promise<void> {
  await db.deleteFrom('learner_sign_in_links').where('email', '=', email).where('created_at', '<', sql<Date>`now() - interval '1 day'`).execute();
}

/** The e-mail of a link that is neither used nor expired, without using it. */
export async function findUsableSignInLink(db: Db, tokenHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('learner_sign_in_links')
    .select('email')
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.email;
}

/**
 * Uses a link (single use: one statement marks it used only if it was not, so two clicks racing
 * get it once) and opens a session for its e-mail. Undefined when the link is unknown, used or expired.
 */
export async function consumeSignInLink(db: Db, tokenHash: string, session: { tokenHash: string; lifetimeSeconds: number }): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable('learner_sign_in_links')
      .set({ used_at: sql<Date>`now()` })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning('email')
      .executeTakeFirst();
    if (!used) return undefined;
    await trx.deleteFrom('learner_sessions').where('email', '=', used.email).where('expires_at', '<=', sql<Date>`now()`).execute();
    await trx
      .insertInto('learner_sessions')
      .values({ token_hash: session.tokenHash, email: used.email, expires_at: sql<Date>`now() + make_interval(secs => ${session.lifetimeSeconds})` })
      .execute();
    return used.email;
  });
}

/** The e-mail of a session that has not expired. */
export async function findSessionEmail(db: Db, tokenHash: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('learner_sessions')
    .select('email')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.email;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('learner_sessions').where('token_hash', '=', tokenHash).execute();
}

/**
 * Everything she made by signing in (DELETE /v1/me): her sessions, her sign-in links, her
 * collections (and so their /p/ links). Her credentials, and which of them she made private, stay.
 */
export async function deleteSignInData(db: Db, email: string): Promise<{ sessions: number; links: number; collections: number }> {
  return db.transaction().execute(async (trx) => {
    const sessions = await trx.deleteFrom('learner_sessions').where('email', '=', email).executeTakeFirst();
    const links = await trx.deleteFrom('learner_sign_in_links').where('email', '=', email).executeTakeFirst();
    // collection_credentials rows go with their collection (on delete cascade).
    const collections = await trx.deleteFrom('collections').where('email', '=', email).executeTakeFirst();
    return {
      sessions: Number(sessions.numDeletedRows),
      links: Number(links.numDeletedRows),
      collections: Number(collections.numDeletedRows),
    };
  });
}
