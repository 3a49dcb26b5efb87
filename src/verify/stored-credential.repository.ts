/** The verifier's reads of the credentials it issued: a presented credential's row, by id. */
import type { Db } from '../db/database.js';
import type { CredentialRow } from '../db/types.js';

const STATUS_COLUMNS = ['revoked_at', 'revocation_reason', 'suspended_at', 'suspension_reason'] as const;

/** What our own record says of a credential's status. */
export type StoredStatus = Pick<CredentialRow, (typeof STATUS_COLUMNS)[number]>;

export function readStoredStatus(db: Db, credentialId: string): Promise<StoredStatus | undefined> {
  return db.selectFrom('credentials').where('id', '=', credentialId).select(STATUS_COLUMNS).executeTakeFirst();
}

/** The signed document as stored, with the status. */
export function readStoredCredential(db: Db, credentialId: string): Promise<(StoredStatus & { document: unknown }) | undefined> {
  return db
    .selectFrom('credentials')
    .where('id', '=', credentialId)
    .select(['document', ...STATUS_COLUMNS])
    .executeTakeFirst();
}

/** A credential we issued (for a link to its page): its document and its JWT as stored, payload detached (jwtOf makes it whole). */
export function readIssuedCredential(db: Db, credentialId: string): Promise<{ document: unknown; jwt: string } | undefined> {
  return db.selectFrom('credentials').where('id', '=', credentialId).select(['document', 'jwt']).executeTakeFirst();
}
