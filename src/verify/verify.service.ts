/**
 * Verification: a verdict with one entry per check, never an exception for a bad credential (only
 * for input that is not a credential at all: InvalidInput). "Could not determine" (ok: null) is
 * kept apart from "failed" (ok: false). Each check lives in its own module; this one composes them.
 */
import type { CredentialSigner } from '../crypto/signer.js';
import type { Db } from '../db/database.js';
import type { RegistryService } from '../registry/registry.service.js';
import type { StatusChanges } from '../status/status-changes.js';
import type { StatusService } from '../status/status.service.js';
import type { Urls } from '../urls.js';
import { readCredential } from './input.js';
import { checkIssuer } from './issuer-check.js';
import type { KeyResolver } from './key-resolver.js';
import { checkNested, isClr } from './nested-check.js';
import { createPresentationVerifier } from './presentation.js';
import { createDataIntegrityCheck } from './proof-data-integrity.js';
import { createJwtCheck } from './proof-jwt.js';
import { checkOpenBadgeSchema, schemaCheck } from './schema-check.js';
import { createStatusCheck } from './status-check.js';
import { createStoredCredentials } from './stored-credentials.js';
import { summary } from './summary.js';
import { createBatchVerifier } from './verify-batch.js';
import { checkValidity } from './validity-check.js';
import type { Check, CheckId, CheckOf, Verdict, VerdictState, VerifyInput } from './verdict.js';
import { idOf, stableStringify } from './values.js';

export type VerifyService = ReturnType<typeof createVerifyService>;

export function createVerifyService(deps: {
  db: Db;
  urls: Urls;
  keys: KeyResolver;
  registry: RegistryService;
  status: StatusService;
  signer: CredentialSigner;
  statusChanges: StatusChanges;
}) {
  const { urls, keys } = deps;
  const stored = createStoredCredentials(deps);
  const checkDataIntegrity = createDataIntegrityCheck(deps);
  const checkJwt = createJwtCheck(deps);
  const checkStatus = createStatusCheck(deps);

  async function verifyOne(input: VerifyInput, now: Date, lookInside: boolean): Promise<Verdict> {
    const { credential, jwt } = readCredential(input);
    const issuerId = idOf(credential.issuer);
    const ours = await stored.find(stored.ourCredentialId(idOf(credential)), issuerId);
    // Posted back as we gave it out (the usual case), or the same with its keys in another order.
    const identical =
      !jwt && ours?.stored.signed === true && (JSON.stringify(credential) === ours.stored.json || stableStringify(credential) === ours.stored.stable);
    let proof: CheckOf<'proof'>;
    if (identical) {
      // Identical to the document we signed and stored: its signature was checked at issuance,
      // and our keys are never removed from the DID document. (A credential secured by its JWT
      // alone is stored without a proof: its JSON is no credential on its own, so never this.)
      proof = { check: 'proof', ok: true, code: 'signature-valid', detail: 'Identical to the credential this service signed and issued' };
    } else {
      proof = jwt ? await checkJwt(jwt, credential, issuerId) : await checkDataIntegrity(credential, issuerId);
    }
    const { check: status, reason } = await checkStatus(credential, ours);
    const validity = checkValidity(credential, now);
    const schema = schemaCheck(identical ? ours.stored.schema : checkOpenBadgeSchema(credential));
    const identity = issuerId ? await keys.identify(issuerId) : { recognized: false as const };
    const checks: Check[] = [proof, status, validity, schema, checkIssuer(identity)];
    const nested = lookInside && isClr(credential) ? await checkNested(credential, (inner) => verifyOne(inner, now, false)) : undefined;
    if (nested) checks.push(nested.check);
    const verdict: Verdict = {
      verified: proof.ok === true && status.ok === true && validity.ok === true && nested?.check.ok !== false,
      state: stateOf(checks, nested?.failed),
      format: jwt ? 'jwt' : 'data-integrity',
      checks,
      credential: summary(credential, identity),
    };
    if (reason !== undefined) verdict.statusReason = reason;
    if (ours && proof.ok === true) verdict.pageUrl = urls.credential(stored.ourCredentialId(idOf(credential))!);
    return verdict;
  }

  const verify = (input: VerifyInput, now: Date = new Date()): Promise<Verdict> => verifyOne(input, now, true);

  return {
    verifyPresentation: createPresentationVerifier({ keys, verifyCredential: (input) => verify(input) }),
    verify,
    /** POST /v1/verify/batch: a verdict (or an item's problem) per item, in order (verify-batch.ts). */
    verifyBatch: createBatchVerifier({ db: deps.db, urls, verify }),
  };
}

/** What the checks sum up to, most telling first. */
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
