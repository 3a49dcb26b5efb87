/**
 * Our own records of a presented credential: the document we signed (to spare re-checking a
 * credential posted back as we gave it out) and its status. Read only for a credential whose id is
 * one of our credential URLs, and used only when it names the issuer that owns the row.
 */
import { isUuid } from '../ids.js';
import { createCache } from '../cache.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import type { Db } from '../db/database.js';
import type { StatusChanges } from '../status/status-changes.js';
import type { Urls } from '../urls.js';
import { checkOpenBadgeSchema, type SchemaResult } from './schema-check.js';
import { readStoredCredential, readStoredStatus, type StoredStatus } from './stored-credential.repository.js';
import { idOf, stableStringify, type Json } from './values.js';

/** Stored documents whose comparison forms are kept (the oldest goes first). */
const STORED_DOCUMENTS = 5_000;

/**
 * A credential's status read from the database is reused this long (employers' checks come in
 * bursts). A change on this instance drops it at once; another instance's change shows within this
 * time, as on the pages (well inside the one second promised for revocation).
 */
const STATUS_TTL_MS = 500;

export interface StoredDocument {
  json: string;
  stable: string;
  schema: SchemaResult;
  /** It carries a Data Integrity proof (not one secured by its JWT alone). */
  signed: boolean;
  /** The issuer that signed it: our records apply only to a credential of that issuer. */
  issuerId: string | null;
}

export type StoredCredential = StoredStatus & { stored: StoredDocument };

export function createStoredCredentials({ db, urls, statusChanges }: { db: Db; urls: Urls; statusChanges: StatusChanges }) {
  const ourCredentialPrefix = urls.credential('');

  /**
   * Our stored documents never change: per credential, its JSON (as we stored it and key-order
   * independent) and its schema result are kept, so the hot path reads only the status columns.
   */
  const documents = createCache<StoredDocument>({ maxEntries: STORED_DOCUMENTS });
  const statuses = createCache<StoredStatus>({ ttlMs: STATUS_TTL_MS, maxEntries: STORED_DOCUMENTS });
  // Counts status changes here: a read that a change overtook is not kept.
  let changes = 0;
  statusChanges.subscribe((id) => {
    changes++;
    statuses.delete(id);
  });

  function keepStatus(credentialId: string, status: StoredStatus, changesBefore: number): void {
    if (changes === changesBefore) statuses.set(credentialId, status);
  }

  function remember(credentialId: string, document: Json): StoredDocument {
    const stored = {
      json: JSON.stringify(document),
      stable: stableStringify(document),
      schema: checkOpenBadgeSchema(document),
      signed: !securedByJwtAlone(document),
      issuerId: idOf(document.issuer),
    };
    documents.set(credentialId, stored);
    return stored;
  }

  async function read(credentialId: string): Promise<StoredCredential | undefined> {
    const known = documents.get(credentialId);
    const changesBefore = changes;
    if (known) {
      const hit = statuses.get(credentialId);
      if (hit) return { ...hit, stored: known };
      const status = await readStoredStatus(db, credentialId);
      if (!status) return undefined;
      keepStatus(credentialId, status, changesBefore);
      return { ...status, stored: known };
    }
    const row = await readStoredCredential(db, credentialId);
    if (!row) return undefined;
    const { document, ...status } = row;
    keepStatus(credentialId, status, changesBefore);
    return { ...status, stored: remember(credentialId, document as Json) };
  }

  return {
    /** The uuid of a credential id that is one of our credential URLs. */
    ourCredentialId(id: string | null): string | undefined {
      if (!id?.startsWith(ourCredentialPrefix)) return undefined;
      const uuid = id.slice(ourCredentialPrefix.length);
      return isUuid(uuid) ? uuid.toLowerCase() : undefined;
    },

    /**
     * Our row for a credential, with its status; undefined unless the presented credential names the
     * issuer that owns the row: a look-alike that copies our id under another issuer (its own key)
     * never borrows our status or our page.
     */
    async find(credentialId: string | undefined, issuerId: string | null): Promise<StoredCredential | undefined> {
      if (!credentialId) return undefined;
      const row = await read(credentialId);
      return row && issuerId !== null && row.stored.issuerId === issuerId ? row : undefined;
    },
  };
}
