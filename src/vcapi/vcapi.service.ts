/**
 * W3C VC-API issuing: the caller (an institution) hands over an unsigned credential; it is checked
 * strictly, given a status entry when asked, signed with eddsa-rdfc-2022 and stored so it can be
 * revoked like any other. VC 2.0, and on this route alone VC 1.1 too (the W3C suites' issuers and
 * other VC-API issuers sign both); the native routes issue VC 2.0 only.
 */
import { randomUUID } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import type { UnsignedCredential } from '../crypto/securing.js';
import { xsdDateTime } from '../credentials/credential.document.js';
import { findCredentialIdByCallerId, findOwnedCredential } from '../credentials/credential.repository.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import { badRequest, conflict } from '../errors.js';
import {
  containsPrototypeName,
  contextLoader,
  DATA_INTEGRITY_V2_CONTEXT,
  UnknownDocumentError,
  unknownContexts,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
} from '../jsonld/document-loader.js';
import { checkDigestMultibase, checkDigestSRI, type DigestCheck } from '../jsonld/resource-integrity.js';
import type { Issuance } from '../issuance/issuance.service.js';
import type { Urls } from '../urls.js';
import { isUuid, type Json } from '../ids.js';

const isUrl = (value: unknown) => {
  if (typeof value !== 'string') return false;
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
};

const isObject = (value: unknown): value is Json => Boolean(value) && typeof value === 'object' && !Array.isArray(value);
const listOf = (value: unknown): unknown[] => ([] as unknown[]).concat(value ?? []);

/** VC Data Model 2.0 §4.9: an XML Schema dateTimeStamp (a time zone is required). */
const DATE_TIME_STAMP = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Properties whose every value is an object with a `type` (VC-DM 2.0 §4.10 credentialStatus, §4.11
 * credentialSchema, §5.4 refreshService, §5.5 termsOfUse, §5.6 evidence; VC-DM 1.1 alike).
 */
const TYPED_PROPERTIES = ['credentialStatus', 'credentialSchema', 'refreshService', 'termsOfUse', 'evidence'] as const;

export interface IssueOptions {
  credentialStatus?: { type?: string };
}

type DataModel = '2.0' | '1.1';

/** What jsonld.js says when it refuses a document, in words naming the term at fault. */
function describeJsonLdError(error: unknown): { detail: string; field: string } {
  let cause: any = error;
  for (let depth = 0; cause && depth < 10; depth++, cause = cause.details?.cause ?? cause.cause) {
    if (cause instanceof UnknownDocumentError)
      return { detail: `the credential names a context this service does not know: ${cause.url}; contexts are never fetched`, field: 'credential.@context' };
  }
  const details = (error as { details?: { code?: string; term?: string; event?: { details?: { property?: string; type?: string } } } }).details;
  if (details?.code === 'protected term redefinition')
    return { detail: `a context redefines the protected term ${details.term ?? ''}`.trim(), field: 'credential.@context' };
  const term = details?.event?.details;
  if (term)
    return {
      detail: `the credential uses a term no context defines${term.property ? `: ${term.property}` : term.type ? `: ${term.type}` : ''}`,
      field: 'credential',
    };
  return { detail: `the credential is not valid JSON-LD${details?.code ? ` (${details.code})` : ''}`, field: 'credential' };
}

const DIGEST_WORDS: Record<Exclude<DigestCheck, 'match' | 'not-held'>, (property: string, id: string) => string> = {
  unreadable: (property) =>
    property === 'digestSRI'
      ? 'digestSRI must be a Subresource Integrity hash expression: sha256-, sha384- or sha512- and the base64 digest'
      : 'digestMultibase must be a multibase-encoded (u, z, m or f) SHA-256, SHA-384 or SHA-512 digest',
  mismatch: (property, id) => `${property} is not the digest of ${id} (the copy this service holds)`,
};

/** VC-DM 2.0 §5.3 Integrity of Related Resources: objects with a unique id and a digest that holds. */
function checkRelatedResources(value: unknown): void {
  const resources = listOf(value);
  if (resources.length === 0) throw badRequest('relatedResource must be an object or a non-empty list of objects', 'credential.relatedResource');
  const seen = new Set<string>();
  resources.forEach((resource, i) => {
    const field = `credential.relatedResource.${i}`;
    if (!isObject(resource)) throw badRequest('each relatedResource must be an object with an id and a digestSRI or digestMultibase', field);
    if (resource.id === undefined) throw badRequest('each relatedResource must have an id', `${field}.id`);
    if (typeof resource.id !== 'string' || !isUrl(resource.id)) throw badRequest('relatedResource id must be a URL', `${field}.id`);
    if (seen.has(resource.id)) throw badRequest(`relatedResource id ${resource.id} appears more than once; each must be unique`, `${field}.id`);
    seen.add(resource.id);
    if (resource.digestSRI === undefined && resource.digestMultibase === undefined)
      throw badRequest('each relatedResource must have a digestSRI or a digestMultibase', field);
    if (resource.mediaType !== undefined && typeof resource.mediaType !== 'string')
      throw badRequest('relatedResource mediaType must be a media type string', `${field}.mediaType`);
    for (const [property, check] of [
      ['digestSRI', checkDigestSRI],
      ['digestMultibase', checkDigestMultibase],
    ] as const) {
      if (resource[property] === undefined) continue;
      // A resource this service does not hold cannot be checked without fetching it: accepted.
      const result = check(resource.id, resource[property]);
      if (result === 'unreadable' || result === 'mismatch') throw badRequest(DIGEST_WORDS[result](property, resource.id), `${field}.${property}`);
    }
  });
}

export type VcApiService = ReturnType<typeof createVcApiService>;

export function createVcApiService(deps: { db: Db; urls: Urls; issuance: Issuance }) {
  const { db, urls, issuance } = deps;
  const ourStatusLists = urls.statusList('');

  /** Every check the VC Data Model asks of an issuer, each naming the field at fault. */
  async function check(credential: Json, callerDid: string): Promise<DataModel> {
    const contexts = listOf(credential['@context']);
    const model: DataModel | undefined = contexts[0] === VC_V2_CONTEXT ? '2.0' : contexts[0] === VC_V1_CONTEXT ? '1.1' : undefined;
    if (!model) throw badRequest(`@context must begin with ${VC_V2_CONTEXT} (or ${VC_V1_CONTEXT} for a VC 1.1 credential)`, 'credential.@context');
    // VC-DM 2.0 §4.3: URLs and/or objects, each processable as a JSON-LD context. An inline object
    // is processed here (jsonld.js fetches nothing for it); a URL must be one bundled here.
    contexts.forEach((c, i) => {
      if (typeof c !== 'string' && !isObject(c))
        throw badRequest(`@context[${i}] must be a context URL or an inline context object`, `credential.@context.${i}`);
      const unknown = unknownContexts(c);
      if (unknown.length > 0) {
        throw badRequest(
          `@context[${i}] ${typeof c === 'string' ? 'is not a context this service knows' : `names a context this service does not know: ${unknown[0]}`}; contexts are never fetched`,
          `credential.@context.${i}`,
        );
      }
    });
    const types = listOf(credential.type);
    if (!types.includes('VerifiableCredential')) throw badRequest('type must include VerifiableCredential', 'credential.type');
    if (credential.id !== undefined && !isUrl(credential.id)) throw badRequest('id must be a URL', 'credential.id');
    // Ids under our own address are ours to assign (a page, a status list, another institution's
    // credential): a caller who wants one leaves id out.
    if (typeof credential.id === 'string' && credential.id.startsWith(`${urls.base}/`)) {
      throw badRequest(`id must not be under ${urls.base}/: leave it out and this service assigns ${urls.credential('<uuid>')}`, 'credential.id');
    }
    const issuerId = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
    if (issuerId !== callerDid) throw badRequest(`issuer must be your DID, ${callerDid}`, 'credential.issuer');
    const subjects = listOf(credential.credentialSubject);
    if (subjects.length === 0 || subjects.some((s) => !isObject(s) || Object.keys(s).length === 0)) {
      throw badRequest('credentialSubject must be a non-empty object (or a list of them)', 'credential.credentialSubject');
    }
    // VC-DM 2.0 §4.9 validFrom/validUntil; VC-DM 1.1 §4.6, §4.7 issuanceDate/expirationDate (its
    // context defines validFrom/validUntil too).
    const [from, until] = model === '2.0' ? (['validFrom', 'validUntil'] as const) : (['issuanceDate', 'expirationDate'] as const);
    for (const field of ['validFrom', 'validUntil', 'issuanceDate', 'expirationDate'] as const) {
      if (
        credential[field] !== undefined &&
        (typeof credential[field] !== 'string' || !DATE_TIME_STAMP.test(credential[field]) || Number.isNaN(Date.parse(credential[field])))
      ) {
        throw badRequest(`${field} must be a date-time with a time zone`, `credential.${field}`);
      }
    }
    if (credential[from] && credential[until] && Date.parse(credential[until]) <= Date.parse(credential[from])) {
      throw badRequest(`${until} must be after ${from}`, `credential.${until}`);
    }
    if (containsPrototypeName(credential)) throw badRequest('the credential contains a forbidden name (__proto__)', 'credential');
    if (credential.proof !== undefined) throw badRequest('the credential must not carry a proof yet', 'credential.proof');
    for (const property of TYPED_PROPERTIES) {
      if (credential[property] === undefined) continue;
      const entries = listOf(credential[property]);
      if (entries.length === 0) throw badRequest(`${property} must be an object or a non-empty list of objects`, `credential.${property}`);
      entries.forEach((entry, i) => {
        const field = `credential.${property}.${i}`;
        if (!isObject(entry)) throw badRequest(`each ${property} must be an object with a type`, field);
        if (entry.type === undefined) throw badRequest(`each ${property} must have a type`, `${field}.type`);
        const entryTypes = listOf(entry.type);
        if (entryTypes.length === 0 || entryTypes.some((t) => typeof t !== 'string' || t === ''))
          throw badRequest(`${property} type must be a term or a URL (or a list of them)`, `${field}.type`);
        if (entry.id !== undefined && !isUrl(entry.id)) throw badRequest(`${property} id must be a URL`, `${field}.id`);
      });
    }
    // VC-DM 2.0 §4.11: each schema names its type and, by a URL, the schema itself.
    listOf(credential.credentialSchema).forEach((schema, i) => {
      if ((schema as Json).id === undefined)
        throw badRequest('each credentialSchema must have an id, the URL of the schema', `credential.credentialSchema.${i}.id`);
    });
    // An entry on one of our status lists is ours to allocate (its index belongs to one credential).
    listOf(credential.credentialStatus).forEach((entry, i) => {
      const { id, statusListCredential } = entry as Json;
      if ([id, statusListCredential].some((url) => typeof url === 'string' && url.startsWith(ourStatusLists))) {
        throw badRequest(
          'an entry on this service’s status lists is allocated by the service: ask for one with options.credentialStatus',
          `credential.credentialStatus.${i}`,
        );
      }
    });
    if (credential.relatedResource !== undefined) checkRelatedResources(credential.relatedResource);
    // VC-DM 2.0 §4.1: no undefined terms. Expansion in safe mode fails on anything it would drop.
    try {
      await jsonld.expand(credential, { documentLoader: contextLoader, safe: true });
    } catch (error) {
      const { detail, field } = describeJsonLdError(error);
      throw badRequest(detail, field);
    }
    return model;
  }

  /**
   * The document to sign. VC 1.1 gets `issuanceDate` when it has none (VC-DM 1.1 §4.6 requires one)
   * and the Data Integrity context, which defines the proof's terms (the VC 2.0 context does that
   * itself): @digitalbazaar/vc adds it the same way, and it must be in the document that is stored.
   */
  function unsignedOf(credential: Json, model: DataModel, rowId: string): UnsignedCredential {
    const id = credential.id ?? urls.credential(rowId);
    if (model === '2.0') return { ...credential, id, validFrom: credential.validFrom ?? xsdDateTime(new Date()) };
    const contexts = listOf(credential['@context']);
    const document = {
      ...credential,
      '@context': contexts.includes(DATA_INTEGRITY_V2_CONTEXT) ? contexts : [...contexts, DATA_INTEGRITY_V2_CONTEXT],
      id,
      issuanceDate: credential.issuanceDate ?? xsdDateTime(new Date()),
    };
    // UnsignedCredential names the VC 2.0 dates; a VC 1.1 document has issuanceDate instead, which
    // the signer reads in their place.
    return document as unknown as UnsignedCredential;
  }

  return {
    async issue(issuer: IssuerRow, credential: Json, options: IssueOptions, actor: string): Promise<Json> {
      const did = urls.issuerDid(issuer.slug);
      const model = await check(credential, did);
      if (options.credentialStatus && options.credentialStatus.type !== 'BitstringStatusListEntry') {
        throw badRequest('options.credentialStatus.type must be BitstringStatusListEntry', 'options.credentialStatus.type');
      }
      if (options.credentialStatus && model === '1.1') {
        throw badRequest('a status entry on this service’s lists is offered for VC 2.0 credentials only', 'options.credentialStatus');
      }
      if (options.credentialStatus && credential.credentialStatus !== undefined) {
        throw badRequest('give the credential its own credentialStatus or ask for one with options.credentialStatus, not both', 'credential.credentialStatus');
      }
      // What @digitalbazaar/vc checks before it signs, here where a refusal is still the caller's 400
      // (inside the signing worker it would be a 500). The checks above name the field first. The
      // row id only makes the document's id when the caller gave none: any uuid checks the same.
      const checked = unsignedOf(credential, model, randomUUID());
      try {
        vc._checkCredential({ credential: checked, mode: 'issue' });
      } catch (error) {
        throw badRequest(`the credential is not valid: ${(error as Error).message}`, 'credential');
      }
      const [validFrom, validUntil] = model === '2.0' ? [checked.validFrom, checked.validUntil] : [checked.issuanceDate as string, checked.expirationDate];
      const subject = ([] as Json[]).concat(credential.credentialSubject)[0]!;
      try {
        const issued = await issuance.issue(issuer, {
          build: ({ id, status }) => {
            const unsigned = unsignedOf(credential, model, id);
            if (options.credentialStatus) {
              unsigned.credentialStatus = {
                id: `${status.listUrl}#${status.index}`,
                type: 'BitstringStatusListEntry',
                statusPurpose: 'revocation',
                statusListIndex: String(status.index),
                statusListCredential: status.listUrl,
              };
            }
            return unsigned;
          },
          securing: { dataIntegrity: true, jwtAlgorithm: 'EdDSA' },
          row: {
            achievementId: null,
            // A VC-API subject is known by its name (or id) alone: a learner of its own.
            learner: {
              created: {
                id: randomUUID(),
                name: typeof subject.name === 'string' ? subject.name : typeof subject.id === 'string' ? subject.id : 'VC-API subject',
              },
            },
            idempotencyKey: null,
            requestHash: null,
            callerId: typeof credential.id === 'string' ? credential.id : null,
            validFrom: validFrom as string,
            validUntil: typeof validUntil === 'string' ? validUntil : null,
            actor,
            auditDetails: { via: 'vc-api' },
          },
        });
        return issued.credential;
      } catch (error) {
        // A credential id is unique across the service (the caller_id index).
        if ((error as { code?: string }).code === '23505')
          throw conflict('a credential with this id exists already; ids are unique across the service', 'credential.id');
        throw error;
      }
    },

    /** The stored row behind a credential id: our /c/<uuid> URL, a bare uuid, or a VC-API id. */
    async findRowId(issuerId: string, credentialId: string): Promise<string | undefined> {
      const ours = credentialId.startsWith(urls.credential('')) ? credentialId.slice(urls.credential('').length) : credentialId;
      if (isUuid(ours)) {
        const row = await findOwnedCredential(db, issuerId, ours.toLowerCase());
        if (row) return row.id;
      }
      return findCredentialIdByCallerId(db, issuerId, credentialId);
    },
  };
}
