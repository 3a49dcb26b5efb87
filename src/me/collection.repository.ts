/** The collections a learner shares (/p/{id}): a name and her credentials in the order she picked. */
import type { Db } from '../db/database.js';

export async function insertCollection(db: Db, collection: { id: string; email: string; name: string; credentialIds: string[] }): Promise<Date> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('collections')
      .values({ id: collection.id, email: collection.email, name: collection.name })
      .returning('created_at')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('collection_credentials')
      .values(collection.credentialIds.map((credentialId, position) => ({ collection_id: collection.id, credential_id: credentialId, position })))
      .execute();
    return row.created_at;
  });
}

export interface CollectionRow {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  credentialIds: string[];
}

async function withCredentialIds(db: Db, rows: { id: string; email: string; name: string; created_at: Date }[]): Promise<CollectionRow[]> {
  if (rows.length === 0) return [];
  const members = await db
    .selectFrom('collection_credentials')
    .select(['collection_id', 'credential_id'])
    .where(
      'collection_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('collection_id')
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    createdAt: r.created_at,
    credentialIds: members.filter((m) => m.collection_id === r.id).map((m) => m.credential_id),
  }));
}

/** Her collections, newest first. */
export async function listCollections(db: Db, email: string): Promise<CollectionRow[]> {
  const rows = await db
    .selectFrom('collections')
    .select(['id', 'email', 'name', 'created_at'])
    .where('email', '=', email)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return withCredentialIds(db, rows);
}

/** `id`: a lowercase uuid. */
export async function findCollection(db: Db, id: string): Promise<CollectionRow | undefined> {
  const rows = await db.selectFrom('collections').select(['id', 'email', 'name', 'created_at']).where('id', '=', id).execute();
  return (await withCredentialIds(db, rows))[0];
}

/** Withdraws one of her collections; false when it is not hers (or does not exist). */
export async function deleteCollection(db: Db, email: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('collections').where('id', '=', id).where('email', '=', email).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
