/**
 * W3C VC-API issuing: the caller (an institution) hands over an unsigned VC 2.0 credential; it is
 * checked strictly, given a status entry when asked, signed with eddsa-rdfc-2022 and stored so it
 * can be revoked like any other.
 */
import { randomUUID } from 'node:crypto';
import jsonld from 'jsonld';
import { insertAuditEvents } from '../audit/audit.repository.js';
import type { KeyStore } from '../crypto/key-store.js';
import type { UnsignedCredential } from '../crypto/securing.js';
import type { CredentialSigner } from '../crypto/signer.js';
import { xsdDateTime } from '../credentials/credential.document.js';
import { storedForm } from '../credentials/credential.repository.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import { badRequest, conflict } from '../errors.js';
import { containsPrototypeName, contextLoader, isKnownContext, VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { StatusService } from '../status/status.service.js';
import type { Urls } from '../urls.js';

type Json = Record<string, any>;

const isUrl = (value: unknown) => {
  if (typeof value !== 'string') return false;
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** VC Data Model 2.0 §4.9: an XML Schema dateTimeStamp (a time zone is required). */
const DATE_TIME_STAMP = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface IssueOptions {
  credentialStatus?: { type?: string };
}

export type VcApiService = ReturnType<typeof createVcApiService>;

export function createVcApiService(deps: { db: Db; urls: Urls; keys: KeyStore; status: StatusService; signer: CredentialSigner }) {
  const { db, urls, keys, status, signer } = deps;

  /** Every check VC Data Model 2.0 asks of an issuer, each naming the field at fault. */
  async function check(credential: Json, callerDid: string): Promise<void> {
    const contexts = ([] as unknown[]).concat(credential['@context'] ?? []);
    if (contexts[0] !== VC_V2_CONTEXT) throw badRequest(`@context must begin with ${VC_V2_CONTEXT}`, 'credential.@context');
    contexts.forEach((c, i) => {
      if (typeof c !== 'string' || !isKnownContext(c)) throw badRequest(`@context[${i}] is not a context this service knows`, `credential.@context.${i}`);
    });
    const types = ([] as unknown[]).concat(credential.type ?? []);
    if (!types.includes('VerifiableCredential')) throw badRequest('type must include VerifiableCredential', 'credential.type');
    if (credential.id !== undefined && !isUrl(credential.id)) throw badRequest('id must be a URL', 'credential.id');
    // Ids under our own address are ours to assign (a page, a status list, another institution's
    // credential): a caller who wants one leaves id out.
    if (typeof credential.id === 'string' && credential.id.startsWith(`${urls.base}/`)) {
      throw badRequest(`id must not be under ${urls.base}/: leave it out and this service assigns ${urls.credential('<uuid>')}`, 'credential.id');
    }
    const issuerId = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
    if (issuerId !== callerDid) throw badRequest(`issuer must be your DID, ${callerDid}`, 'credential.issuer');
    const subjects = ([] as unknown[]).concat(credential.credentialSubject ?? []);
    if (subjects.length === 0 || subjects.some((s) => !s || typeof s !== 'object' || Array.isArray(s) || Object.keys(s).length === 0)) {
      throw badRequest('credentialSubject must be a non-empty object (or a list of them)', 'credential.credentialSubject');
    }
    for (const field of ['validFrom', 'validUntil'] as const) {
      if (credential[field] !== undefined && (typeof credential[field] !== 'string' || !DATE_TIME_STAMP.test(credential[field]) || Number.isNaN(Date.parse(credential[field])))) {
        throw badRequest(`${field} must be a date-time with a time zone`, `credential.${field}`);
      }
    }
    if (credential.validFrom && credential.validUntil && Date.parse(credential.validUntil) <= Date.parse(credential.validFrom)) {
      throw badRequest('validUntil must be after validFrom', 'credential.validUntil');
    }
    if (containsPrototypeName(credential)) throw badRequest('the credential contains a forbidden name (__proto__)', 'credential');
    if (credential.proof !== undefined) throw badRequest('the credential must not carry a proof yet', 'credential.proof');
    if (credential.credentialStatus !== undefined) throw badRequest('ask for a status with options.credentialStatus; the service manages status lists', 'credential.credentialStatus');
    // VC-DM 2.0 §4.1: no undefined terms. Expansion in safe mode fails on anything it would drop.
    try {
      await jsonld.expand(credential, { documentLoader: contextLoader, safe: true });
    } catch (error) {
      const term = (error as { details?: { event?: { details?: { property?: string; type?: string } } } }).details?.event?.details;
      throw badRequest(`the credential uses a term no context defines${term?.property ? `: ${term.property}` : term?.type ? `: ${term.type}` : ''}`, 'credential');
    }
  }

  return {
    async issue(issuer: IssuerRow, credential: Json, options: IssueOptions, actor: string): Promise<Json> {
      const did = urls.issuerDid(issuer.slug);
      await check(credential, did);
      if (options.credentialStatus && options.credentialStatus.type !== 'BitstringStatusListEntry') {
        throw badRequest('options.credentialStatus.type must be BitstringStatusListEntry', 'options.credentialStatus.type');
      }
      const rowId = randomUUID();
      const unsigned: UnsignedCredential = { ...credential, id: credential.id ?? urls.credential(rowId), validFrom: credential.validFrom ?? xsdDateTime(new Date()) };
      // From the reserve, before the transaction: allocating inside it would keep the issuer's open
      // list locked while the credential is signed. An index whose transaction fails is never used.
      const slot = await status.take(issuer.id);
      const issued = db.transaction().execute(async (trx) => {
        const signingKeys = await keys.activeKeys(issuer.id, did, trx);
        if (options.credentialStatus) {
          const listUrl = urls.statusList(slot.listId);
          unsigned.credentialStatus = { id: `${listUrl}#${slot.index}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: String(slot.index), statusListCredential: listUrl };
        }
        const [pair] = await signer.sign([unsigned], signingKeys.ed25519, signingKeys.ed25519);
        const subject = ([] as Json[]).concat(credential.credentialSubject)[0]!;
        const learner = await trx
          .insertInto('learners')
          .values({ id: randomUUID(), issuer_id: issuer.id, name: typeof subject.name === 'string' ? subject.name : typeof subject.id === 'string' ? subject.id : 'VC-API subject', email: null, did: null, external_id: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('credentials')
          .values({
            id: rowId,
            issuer_id: issuer.id,
            achievement_id: null,
            learner_id: learner.id,
            ...storedForm(pair!.signed, pair!.jwt),
            caller_id: typeof credential.id === 'string' ? credential.id : null,
            status_list_id: slot.listId,
            status_index: slot.index,
            idempotency_key: null,
            request_hash: null,
            valid_from: unsigned.validFrom,
            valid_until: typeof unsigned.validUntil === 'string' ? unsigned.validUntil : null,
          })
          .execute();
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'credential.issued', subject: rowId, details: { via: 'vc-api' } }]);
        return pair!.signed;
      });
      // A credential id is unique across the service (the caller_id index).
      return issued.catch((error: unknown) => {
        if ((error as { code?: string }).code === '23505') throw conflict('a credential with this id exists already; ids are unique across the service', 'credential.id');
        throw error;
      });
    },

    /** The stored row behind a credential id: our /c/<uuid> URL, a bare uuid, or a VC-API id. */
    async findRowId(issuerId: string, credentialId: string): Promise<string | undefined> {
      const ours = credentialId.startsWith(urls.credential('')) ? credentialId.slice(urls.credential('').length) : credentialId;
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ours)) {
        const row = await db.selectFrom('credentials').select('id').where('id', '=', ours.toLowerCase()).where('issuer_id', '=', issuerId).executeTakeFirst();
        if (row) return row.id;
      }
      const row = await db.selectFrom('credentials').select('id').where('issuer_id', '=', issuerId).where('caller_id', '=', credentialId).executeTakeFirst();
      return row?.id;
    },
  };
}
