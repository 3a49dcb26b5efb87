/**
 * Verification: a verdict with one entry per check, never an exception for a bad credential.
 * "Could not determine" (ok: null) is kept apart from "failed" (ok: false).
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsigs from 'jsonld-signatures';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { createCache } from '../cache.js';
import type { Db } from '../db/database.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import type { CredentialRow } from '../db/types.js';
import { AppError, badRequest } from '../errors.js';
import { containsPrototypeName, createDocumentLoader, unknownContexts as contextsNotKnown } from '../jsonld/document-loader.js';
import type { RegistryService } from '../registry/registry.service.js';
import { bitAt, decodeBitstring } from '../status/bitstring.js';
import type { StatusChanges } from '../status/status-changes.js';
import type { StatusService } from '../status/status.service.js';
import type { Urls } from '../urls.js';
import { jsonNestingExceeds, tooDeep } from '../untrusted-json.js';
import type { CredentialSigner } from '../crypto/signer.js';
import type { KeyResolver } from './key-resolver.js';
import { checkOpenBadgeSchema, type SchemaResult } from './schema-check.js';

/** `nested`: only for a CLR, whose nested credentials are verified each. */
export type CheckId = 'proof' | 'status' | 'validity' | 'schema' | 'issuer' | 'nested';

export interface Check {
  check: CheckId;
  /** true: holds; false: failed; null: could not be determined. */
  ok: boolean | null;
  /** A stable code the pages translate. */
  code: string;
  detail: string;
}

/**
 * `unrecognized-issuer`: signature, status and dates hold, but the issuer is neither one of ours nor
 * registered; `verified` stays true (as other software reads it), the pages show it in amber.
 */
export type VerdictState = 'verified' | 'revoked' | 'suspended' | 'expired' | 'not-yet-valid' | 'invalid' | 'undetermined' | 'unrecognized-issuer';

export interface Verdict {
  verified: boolean;
  state: VerdictState;
  format: 'data-integrity' | 'jwt';
  checks: Check[];
  credential: {
    id: string | null;
    type: string[];
    issuer: { id: string | null; name: string | null; url: string | null; recognized: boolean };
    achievement: { id: string | null; name: string | null; achievementType: string | null } | null;
    recipient: { name: string | null; id: string | null; hashedEmail: boolean };
    validFrom: string | null;
    validUntil: string | null;
  };
  /** For our own credentials: the status reason the issuer gave. */
  statusReason?: string | null;
  /** The credential's page here: only for a credential one of our issuers signed and we hold. */
  pageUrl?: string;
}

export interface VerifyInput {
  credential?: unknown;
  jwt?: string;
}

/** What to verify of a credential this service holds: its signed JSON-LD, or its JWT when it has no proof. */
export function verifyInputOf(held: { credential: Record<string, unknown>; jwt: string }): VerifyInput {
  return securedByJwtAlone(held.credential) ? { jwt: held.jwt } : { credential: held.credential };
}

/** JWT claims that VC-JOSE adds beside the credential; left out of the credential view. */
const JWT_CLAIMS = ['iss', 'jti', 'nbf', 'exp', 'iat', 'sub', 'aud'];
const JWT_ALGORITHMS = ['EdDSA', 'RS256', 'ES256'];

type Json = Record<string, any>;

/** Key-order independent JSON, to compare a presented credential with the stored one. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * Untrusted values as text: a credential may carry objects where strings belong (even ones whose
 * toString is not a function), and String() on those throws.
 */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unreadable]';
  }
}

const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : value && typeof value === 'object' && typeof (value as Json).id === 'string' ? (value as Json).id : null;

export type VerifyService = ReturnType<typeof createVerifyService>;

/** Stored documents whose comparison forms are kept (the oldest goes first). */
const STORED_DOCUMENTS = 5_000;

/**
 * A credential's status read from the database is reused this long (employers' checks come in
 * bursts). A change on this instance drops it at once; another instance's change shows within this
 * time, as on the pages (well inside the one second promised for revocation).
 */
const STATUS_TTL_MS = 500;

interface StoredDocument {
  json: string;
  stable: string;
  schema: SchemaResult;
  /** It carries a Data Integrity proof (not one secured by its JWT alone). */
  signed: boolean;
  /** The issuer that signed it: our records apply only to a credential of that issuer. */
  issuerId: string | null;
}

export function createVerifyService(deps: {
  db: Db;
  urls: Urls;
  keys: KeyResolver;
  registry: RegistryService;
  status: StatusService;
  signer: CredentialSigner;
  statusChanges: StatusChanges;
}) {
  const { db, urls, keys, registry, status, signer } = deps;
  const documentLoader = createDocumentLoader((url) => keys.resolve(url));
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  const ourCredentialPrefix = urls.credential('');
  const ourStatusPrefix = urls.statusList('');

  function ourCredentialId(id: string | null): string | undefined {
    if (!id?.startsWith(ourCredentialPrefix)) return undefined;
    const uuid = id.slice(ourCredentialPrefix.length);
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid) ? uuid.toLowerCase() : undefined;
  }

  /**
   * Our stored documents never change: per credential, its JSON (as we stored it and key-order
   * independent) and its schema result are kept, so the hot path reads only the status columns.
   */
  const storedDocuments = new Map<string, StoredDocument>();

  function remember(credentialId: string, document: Json): StoredDocument {
    const stored = { json: JSON.stringify(document), stable: stableStringify(document), schema: checkOpenBadgeSchema(document), signed: !securedByJwtAlone(document), issuerId: idOf(document.issuer) };
    storedDocuments.set(credentialId, stored);
    if (storedDocuments.size > STORED_DOCUMENTS) storedDocuments.delete(storedDocuments.keys().next().value!);
    return stored;
  }

  const STATUS_COLUMNS = ['revoked_at', 'revocation_reason', 'suspended_at', 'suspension_reason'] as const;
  type StatusColumns = Pick<CredentialRow, (typeof STATUS_COLUMNS)[number]>;

  const statuses = createCache<StatusColumns>({ ttlMs: STATUS_TTL_MS, maxEntries: STORED_DOCUMENTS });
  // Counts status changes here: a read that a change overtook is not kept.
  let changes = 0;
  deps.statusChanges.subscribe((id) => {
    changes++;
    statuses.delete(id);
  });

  function keepStatus(credentialId: string, status: StatusColumns, changesBefore: number): void {
    if (changes === changesBefore) statuses.set(credentialId, status);
  }

  /**
   * Our row for a credential, with its status; undefined unless the presented credential names the
   * issuer that owns the row: a look-alike that copies our id under another issuer (its own key)
   * never borrows our status or our page.
   */
  async function storedRow(credentialId: string | undefined, issuerId: string | null) {
    const row = await readStoredRow(credentialId);
    return row && issuerId !== null && row.stored.issuerId === issuerId ? row : undefined;
  }

  async function readStoredRow(credentialId: string | undefined) {
    if (!credentialId) return undefined;
    const known = storedDocuments.get(credentialId);
    const changesBefore = changes;
    const query = db.selectFrom('credentials').where('id', '=', credentialId);
    if (known) {
      const hit = statuses.get(credentialId);
      if (hit) return { ...hit, stored: known };
      const status = await query.select(STATUS_COLUMNS).executeTakeFirst();
      if (!status) return undefined;
      keepStatus(credentialId, status, changesBefore);
      return { ...status, stored: known };
    }
    const row = await query.select(['document', ...STATUS_COLUMNS]).executeTakeFirst();
    if (!row) return undefined;
    const { document, ...status } = row;
    keepStatus(credentialId, status, changesBefore);
    return { ...status, stored: remember(credentialId, document as Json) };
  }

  /**
   * The contexts this service cannot process offline. An inline object context is processed locally
   * (jsonld.js fetches nothing for it) unless it names an unknown remote context itself.
   */
  function unknownContexts(credential: Json): string[] {
    return contextsNotKnown(credential['@context']);
  }

  /** Checks a Data Integrity proof and that its key belongs to the issuer. */
  async function checkDataIntegrity(credential: Json, issuerId: string | null): Promise<Check> {
    if (containsPrototypeName(credential)) {
      return { check: 'proof', ok: false, code: 'signature-invalid', detail: 'The credential contains a forbidden name (__proto__); it is not processed' };
    }
    const unknown = unknownContexts(credential);
    if (unknown.length > 0) {
      return { check: 'proof', ok: false, code: 'unknown-context', detail: `Uses a JSON-LD context this service does not know: ${unknown[0]}` };
    }
    const proofs = ([] as Json[]).concat(credential.proof ?? []);
    if (proofs.length === 0) return { check: 'proof', ok: false, code: 'no-proof', detail: 'The credential carries no proof' };
    // A proof set (or chain) may hold proofs by others, endorsers say: each must verify with its own
    // key, and at least one must be the issuer's.
    for (const proof of proofs) {
      if (proof?.type !== 'DataIntegrityProof' || proof?.cryptosuite !== 'eddsa-rdfc-2022') {
        return { check: 'proof', ok: false, code: 'unsupported-proof', detail: `Unsupported proof: ${text(proof?.type)} ${text(proof?.cryptosuite ?? '')}`.trim() };
      }
    }
    const controllerOf = (proof: Json) => (typeof proof.verificationMethod === 'string' ? proof.verificationMethod.split('#')[0] : undefined);
    if (issuerId === null || !proofs.some((proof) => controllerOf(proof) === issuerId)) {
      return { check: 'proof', ok: false, code: 'key-not-issuers', detail: 'The proof was made with a key that does not belong to the issuer' };
    }
    for (const proof of proofs) {
      if (!controllerOf(proof) || !(await keys.verificationMethod(proof.verificationMethod))) {
        return { check: 'proof', ok: false, code: 'unknown-key', detail: `The signing key ${text(proof.verificationMethod)} is not one of ours nor registered here` };
      }
    }
    // Keys are resolved here (database, registry); the canonicalisation and signature check, which
    // are CPU work, run on the worker pool with those documents.
    const documents: Record<string, unknown> = {};
    for (const proof of proofs) {
      const methodId = proof.verificationMethod as string;
      documents[methodId] = await keys.resolve(methodId);
      documents[methodId.split('#')[0]!] = await keys.resolve(methodId.split('#')[0]!);
    }
    const result = await signer.verifyProof(credential, documents);
    if (result.verified) return { check: 'proof', ok: true, code: 'signature-valid', detail: 'The signature is valid and made with the issuer’s key' };
    if (result.reason && /not one this service knows/.test(result.reason)) return { check: 'proof', ok: false, code: 'unknown-context', detail: result.reason };
    return { check: 'proof', ok: false, code: 'signature-invalid', detail: `The signature does not match the content: ${result.reason ?? 'invalid'}` };
  }

  async function checkJwt(jwt: string, credential: Json, issuerId: string | null): Promise<Check> {
    let header;
    let claims: Json;
    try {
      header = decodeProtectedHeader(jwt);
      claims = decodeJwt(jwt) as Json;
    } catch {
      return { check: 'proof', ok: false, code: 'signature-invalid', detail: 'The JWT header cannot be read' };
    }
    // VC-JOSE-COSE §3.1.2: iss and jti, when present, say the same as the credential's issuer and id.
    if (claims.iss !== undefined && claims.iss !== issuerId) {
      return { check: 'proof', ok: false, code: 'jwt-claims-mismatch', detail: 'The JWT iss claim names another issuer than the credential' };
    }
    if (claims.jti !== undefined && credential.id !== undefined && claims.jti !== credential.id) {
      return { check: 'proof', ok: false, code: 'jwt-claims-mismatch', detail: 'The JWT jti claim names another credential id than the credential' };
    }
    // The algorithm is checked against an allow-list and the key's own type, never trusted from the header alone.
    if (!header.alg || !JWT_ALGORITHMS.includes(header.alg)) {
      return { check: 'proof', ok: false, code: 'unsupported-proof', detail: `JWT algorithm ${text(header.alg)} is not accepted` };
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const controller = kid?.split('#')[0];
    if (!kid || controller !== issuerId) {
      return { check: 'proof', ok: false, code: 'key-not-issuers', detail: 'The JWT key (kid) does not belong to the issuer' };
    }
    const jwk = await keys.publicJwk(kid);
    if (!jwk) return { check: 'proof', ok: false, code: 'unknown-key', detail: `The signing key ${kid} is not one of ours nor registered here` };
    try {
      const key = await importJWK(jwk, header.alg);
      await compactVerify(jwt, key, { algorithms: [header.alg] });
      return { check: 'proof', ok: true, code: 'signature-valid', detail: `The JWT signature (${header.alg}) is valid and made with the issuer’s key` };
    } catch (error) {
      return { check: 'proof', ok: false, code: 'signature-invalid', detail: `The JWT signature does not match: ${(error as Error).message}` };
    }
  }

  async function checkStatus(credential: Json, row: Awaited<ReturnType<typeof storedRow>>): Promise<{ check: Check; reason?: string | null }> {
    if (row) {
      if (row.revoked_at) {
        return { check: { check: 'status', ok: false, code: 'revoked', detail: `Revoked by the issuer on ${row.revoked_at.toISOString().slice(0, 10)}${row.revocation_reason ? `: ${row.revocation_reason}` : ''}` }, reason: row.revocation_reason };
      }
      if (row.suspended_at) {
        return { check: { check: 'status', ok: false, code: 'suspended', detail: `Suspended by the issuer${row.suspension_reason ? `: ${row.suspension_reason}` : ''}` }, reason: row.suspension_reason };
      }
      // Our own row is the source the published list is made from: no need to read the list.
      return { check: { check: 'status', ok: true, code: 'active', detail: 'Not revoked or suspended' } };
    }
    const entries = ([] as Json[]).concat(credential.credentialStatus ?? []).filter((e) => e && typeof e === 'object');
    if (entries.length === 0) {
      return { check: { check: 'status', ok: true, code: 'no-status', detail: row ? 'Not revoked or suspended' : 'The credential has no status list; nothing can revoke it' } };
    }
    for (const entry of entries) {
      if (entry.type !== 'BitstringStatusListEntry') {
        return { check: { check: 'status', ok: null, code: 'status-unsupported', detail: `Status type ${text(entry.type)} is not supported` } };
      }
      const listUrl = text(entry.statusListCredential ?? '');
      const index = Number.parseInt(text(entry.statusListIndex), 10);
      if (!Number.isInteger(index) || index < 0) {
        return { check: { check: 'status', ok: false, code: 'status-invalid', detail: 'The status entry has no valid index' } };
      }
      let list: Json | undefined;
      if (listUrl.startsWith(ourStatusPrefix)) {
        const listId = listUrl.slice(ourStatusPrefix.length);
        try {
          list = /^[0-9a-f-]{36}$/i.test(listId) ? (await status.publish(listId)).credential : undefined;
          // One of our lists speaks only for credentials of the issuer that publishes it.
          if (list && idOf(list.issuer) !== idOf(credential.issuer)) list = undefined;
        } catch {
          list = undefined;
        }
      } else {
        const known = await registry.findStatusList(listUrl);
        if (known && known.issuerId === idOf(credential.issuer)) list = known.credential;
      }
      if (!list) {
        return { check: { check: 'status', ok: null, code: 'status-unknown', detail: 'Could not determine the status: the status list is not one this service knows' } };
      }
      let bit: boolean;
      try {
        bit = bitAt(decodeBitstring(text(list.credentialSubject?.encodedList ?? '')), index);
      } catch {
        return { check: { check: 'status', ok: null, code: 'status-unknown', detail: 'Could not determine the status: the status list cannot be read' } };
      }
      if (bit) {
        const purpose = entry.statusPurpose ?? list.credentialSubject?.statusPurpose;
        return { check: { check: 'status', ok: false, code: purpose === 'suspension' ? 'suspended' : 'revoked', detail: purpose === 'suspension' ? 'Suspended (status list)' : 'Revoked (status list)' } };
      }
    }
    return { check: { check: 'status', ok: true, code: 'active', detail: 'Not revoked or suspended' } };
  }

  function checkValidity(credential: Json, now: Date): Check {
    const from = credential.validFrom ?? credential.issuanceDate;
    const until = credential.validUntil ?? credential.expirationDate;
    if (from !== undefined && Number.isNaN(Date.parse(text(from)))) return { check: 'validity', ok: false, code: 'dates-invalid', detail: 'validFrom is not a date' };
    if (until !== undefined && Number.isNaN(Date.parse(text(until)))) return { check: 'validity', ok: false, code: 'dates-invalid', detail: 'validUntil is not a date' };
    if (from !== undefined && Date.parse(text(from)) > now.getTime()) {
      return { check: 'validity', ok: false, code: 'not-yet-valid', detail: `Not valid before ${from}` };
    }
    if (until !== undefined && Date.parse(text(until)) <= now.getTime()) {
      return { check: 'validity', ok: false, code: 'expired', detail: `Expired on ${until}` };
    }
    return { check: 'validity', ok: true, code: 'in-period', detail: until ? `Valid until ${until}` : 'Valid, with no end date' };
  }

  function summary(credential: Json, identity: { recognized: boolean; name?: string; url?: string }): Verdict['credential'] {
    const subject = ([] as Json[]).concat(credential.credentialSubject ?? [])[0] ?? {};
    const achievement = subject.achievement && typeof subject.achievement === 'object' ? subject.achievement : null;
    const issuer = credential.issuer;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      id: str(credential.id),
      type: ([] as unknown[]).concat(credential.type ?? []).filter((t): t is string => typeof t === 'string'),
      issuer: {
        id: idOf(issuer),
        name: identity.name ?? str(issuer?.name),
        url: identity.url ?? str(issuer?.url),
        recognized: identity.recognized,
      },
      achievement: achievement ? { id: str(achievement.id), name: str(achievement.name), achievementType: str(achievement.achievementType) } : null,
      recipient: {
        name: str(subject.name),
        id: str(subject.id),
        hashedEmail: Array.isArray(subject.identifier) && subject.identifier.some((i: Json) => i?.identityType === 'emailAddress'),
      },
      validFrom: str(credential.validFrom ?? credential.issuanceDate),
      validUntil: str(credential.validUntil ?? credential.expirationDate),
    };
  }

  /**
   * CLR 2.0: a ClrCredential vouches for the credentials it nests, so each is verified on its own
   * (proof, status, validity), as 1EdTech's validator inspects each; the first that does not hold
   * fails the CLR, named in the check. Nesting stops at one level (a CLR in a CLR is not looked into).
   */
  async function checkNested(credential: Json, now: Date): Promise<{ check: Check; failed?: Verdict }> {
    const subject = ([] as unknown[]).concat(credential.credentialSubject ?? [])[0] as Json | undefined;
    const nested = ([] as unknown[]).concat(subject?.verifiableCredential ?? []);
    for (const [i, item] of nested.entries()) {
      const where = `credentialSubject.verifiableCredential[${i}]`;
      let verdict: Verdict;
      try {
        verdict = await verifyOne(typeof item === 'string' ? { jwt: item } : { credential: item }, now, false);
      } catch (error) {
        if (error instanceof AppError && error.status === 400) {
          return { check: { check: 'nested', ok: false, code: 'nested-not-credential', detail: `${where} is not a verifiable credential` } };
        }
        throw error;
      }
      if (!verdict.verified) {
        const reason = verdict.checks.find((c) => c.ok !== true && c.check !== 'schema' && c.check !== 'issuer');
        return {
          check: { check: 'nested', ok: false, code: 'nested-failed', detail: `The nested credential ${where} (${verdict.credential.id ?? 'no id'}) does not hold: ${reason?.detail ?? verdict.state}` },
          failed: verdict,
        };
      }
    }
    return { check: { check: 'nested', ok: true, code: 'nested-valid', detail: `Each of the ${nested.length} nested credentials verifies` } };
  }

  function stateOf(checks: Check[], nestedFailed?: Verdict): VerdictState {
    const by = (id: CheckId) => checks.find((c) => c.check === id)!;
    if (by('proof').ok !== true) return 'invalid';
    if (by('status').ok === false) return by('status').code === 'suspended' ? 'suspended' : 'revoked';
    if (by('validity').ok === false) return by('validity').code === 'not-yet-valid' ? 'not-yet-valid' : 'expired';
    // A CLR holds no better than what it nests: a revoked one inside makes it revoked, and so on.
    if (nestedFailed) return nestedFailed.state === 'verified' || nestedFailed.state === 'unrecognized-issuer' ? 'invalid' : nestedFailed.state;
    if (checks.some((c) => c.check === 'nested' && c.ok === false)) return 'invalid';
    // Who signed it matters more to an employer than a status we could not read.
    if (by('issuer').ok !== true) return 'unrecognized-issuer';
    if (by('status').ok === null) return 'undetermined';
    return 'verified';
  }

  /** Reads the input into a credential; only what is not a credential at all is a 400. */
  function parseInput(input: VerifyInput): { credential: Json; jwt?: string } {
    if (typeof input.jwt === 'string') {
      const jwt = input.jwt.trim();
      if (jsonNestingExceeds(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))) throw tooDeep('jwt');
      let payload: Json;
      try {
        payload = decodeJwt(jwt) as Json;
      } catch {
        throw badRequest('jwt is not a compact JWS with a JSON payload', 'jwt');
      }
      // VC-JOSE-COSE puts the credential in the payload; older VC-JWT (and OB 3.0's JWT examples) under `vc`.
      const body = payload.vc && typeof payload.vc === 'object' ? payload.vc : payload;
      const credential = Object.fromEntries(Object.entries(body).filter(([k]) => body !== payload || !JWT_CLAIMS.includes(k)));
      if (!credential.issuer && payload.iss) credential.issuer = payload.iss;
      if (!isCredential(credential)) throw badRequest('the JWT payload is not a verifiable credential', 'jwt');
      return { credential, jwt };
    }
    const credential = input.credential;
    if (!isCredential(credential)) throw badRequest('credential must be a verifiable credential: an object with @context and a type including VerifiableCredential', 'credential');
    return { credential: credential as Json };
  }

  /**
   * VC-API presentations: the holder's Data Integrity proof (authentication, with the verifier's
   * challenge and domain), then every credential inside on its own.
   */
  async function verifyPresentation(presentation: Json, options: { challenge?: string; domain?: string }) {
    const types = ([] as unknown[]).concat(presentation?.type ?? []);
    if (!presentation || typeof presentation !== 'object' || !types.includes('VerifiablePresentation')) {
      throw badRequest('verifiablePresentation must have the type VerifiablePresentation', 'verifiablePresentation.type');
    }
    // VC-DM 2.0 §4.13: holder is optional; when present, a URL or an object whose id is one.
    const holder = idOf(presentation.holder);
    const holderInvalid = presentation.holder !== undefined && (holder === null || !URL.canParse(holder));
    let proof: Check;
    const proofs = ([] as Json[]).concat(presentation.proof ?? []);
    if (containsPrototypeName(presentation)) {
      proof = { check: 'proof', ok: false, code: 'signature-invalid', detail: 'The presentation contains a forbidden name (__proto__)' };
    } else if (unknownContexts(presentation).length > 0) {
      proof = { check: 'proof', ok: false, code: 'unknown-context', detail: `Uses a JSON-LD context this service does not know: ${unknownContexts(presentation)[0]}` };
    } else if (proofs.length !== 1 || proofs[0]?.type !== 'DataIntegrityProof' || proofs[0]?.cryptosuite !== 'eddsa-rdfc-2022') {
      proof = { check: 'proof', ok: false, code: 'unsupported-proof', detail: 'The presentation needs one eddsa-rdfc-2022 DataIntegrityProof' };
    } else if (holderInvalid) {
      proof = { check: 'proof', ok: false, code: 'holder-invalid', detail: 'The holder must be a URL or an object whose id is a URL' };
    } else if (holder && text(proofs[0]!.verificationMethod).split('#')[0] !== holder) {
      // With a holder, the proof must be the holder's; without one, it is checked against its own
      // verification method (resolved as every key is: did:key, ours, the registry's).
      proof = { check: 'proof', ok: false, code: 'key-not-issuers', detail: 'The presentation was not signed with a key of its holder' };
    } else if (!options.challenge) {
      proof = { check: 'proof', ok: false, code: 'no-challenge', detail: 'A challenge is required, so an old presentation cannot be replayed' };
    } else {
      try {
        const purpose = new jsigs.purposes.AuthenticationProofPurpose({ challenge: options.challenge, ...(options.domain ? { domain: options.domain } : {}) });
        const result = await jsigs.verify(presentation, { suite, purpose, documentLoader });
        proof = result.verified
          ? { check: 'proof', ok: true, code: 'signature-valid', detail: holder ? 'The holder signed this presentation for this challenge and domain' : 'The presentation is signed, for this challenge and domain, with the key it names (it names no holder)' }
          : { check: 'proof', ok: false, code: 'signature-invalid', detail: `The presentation proof does not hold: ${result.error?.errors?.[0]?.message ?? result.error?.message ?? 'invalid'}` };
      } catch (error) {
        proof = { check: 'proof', ok: false, code: 'signature-invalid', detail: `The presentation proof could not be checked: ${(error as Error).message}` };
      }
    }
    const credentials: Verdict[] = [];
    for (const credential of ([] as unknown[]).concat(presentation.verifiableCredential ?? [])) {
      credentials.push(await service.verify(typeof credential === 'string' ? { jwt: credential } : { credential }));
    }
    return { verified: proof.ok === true && credentials.every((c) => c.verified), holder, checks: [proof], credentials };
  }

  const service = {
    parseInput,
    verifyPresentation,

    verify: (input: VerifyInput, now: Date = new Date()): Promise<Verdict> => verifyOne(input, now, true),
  };

  async function verifyOne(input: VerifyInput, now: Date, lookInside: boolean): Promise<Verdict> {
      const { credential, jwt } = parseInput(input);
      const issuerId = idOf(credential.issuer);
      const row = await storedRow(ourCredentialId(idOf(credential)), issuerId);
      let proof: Check;
      // Posted back as we gave it out (the usual case), or the same with its keys in another order.
      const identical = !jwt && row?.stored.signed === true && (JSON.stringify(credential) === row.stored.json || stableStringify(credential) === row.stored.stable);
      if (identical) {
        // Identical to the document we signed and stored: its signature was checked at issuance,
        // and our keys are never removed from the DID document. (A credential secured by its JWT
        // alone is stored without a proof: its JSON is no credential on its own, so never this.)
        proof = { check: 'proof', ok: true, code: 'signature-valid', detail: 'Identical to the credential this service signed and issued' };
      } else {
        proof = jwt ? await checkJwt(jwt, credential, issuerId) : await checkDataIntegrity(credential, issuerId);
      }
      const { check: statusCheck, reason } = await checkStatus(credential, row);
      const validity = checkValidity(credential, now);
      const schema = identical ? row.stored.schema : checkOpenBadgeSchema(credential);
      const schemaCheck: Check = { check: 'schema', ok: schema.ok, code: schema.ok === false ? 'schema-invalid' : schema.ok ? 'schema-valid' : 'schema-none', detail: schema.detail };
      const identity = issuerId ? await keys.identify(issuerId) : { recognized: false as const };
      const issuerCheck: Check = identity.recognized
        ? { check: 'issuer', ok: true, code: 'issuer-known', detail: `Issued by ${identity.name}, known to this service` }
        : { check: 'issuer', ok: false, code: 'issuer-unknown', detail: 'The issuer is not registered here; the signature alone cannot say who they are' };
      const checks = [proof, statusCheck, validity, schemaCheck, issuerCheck];
      const isClr = lookInside && ([] as unknown[]).concat(credential.type ?? []).includes('ClrCredential');
      const nested = isClr ? await checkNested(credential, now) : undefined;
      if (nested) checks.push(nested.check);
      const state = stateOf(checks, nested?.failed);
      const verdict: Verdict = {
        verified: proof.ok === true && statusCheck.ok === true && validity.ok === true && nested?.check.ok !== false,
        state,
        format: jwt ? 'jwt' : 'data-integrity',
        checks,
        credential: summary(credential, identity),
      };
      if (reason !== undefined) verdict.statusReason = reason;
      if (row && proof.ok === true) verdict.pageUrl = urls.credential(ourCredentialId(idOf(credential))!);
      return verdict;
  }
  return service;
}

function isCredential(value: unknown): value is Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Json;
  const types = ([] as unknown[]).concat(v.type ?? []);
  return v['@context'] !== undefined && types.includes('VerifiableCredential');
}
