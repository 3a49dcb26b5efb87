/** The `proof` check of a credential secured with Data Integrity (eddsa-rdfc-2022). */
import type { CredentialSigner } from '../crypto/signer.js';
import { containsPrototypeName, unknownContexts } from '../jsonld/document-loader.js';
import type { KeyResolver } from './key-resolver.js';
import type { CheckOf } from './verdict.js';
import { text, type Json } from './values.js';

/** Checks every Data Integrity proof of a credential and that one of them is the issuer's. */
export function createDataIntegrityCheck({ keys, signer }: { keys: KeyResolver; signer: CredentialSigner }) {
  return async function checkDataIntegrity(credential: Json, issuerId: string | null): Promise<CheckOf<'proof'>> {
    if (containsPrototypeName(credential)) {
      return { check: 'proof', ok: false, code: 'signature-invalid', detail: 'The credential contains a forbidden name (__proto__); it is not processed' };
    }
    // An inline object context is processed locally (jsonld.js fetches nothing for it) unless it
    // names an unknown remote context itself.
    const unknown = unknownContexts(credential['@context']);
    if (unknown.length > 0) {
      return { check: 'proof', ok: false, code: 'unknown-context', detail: `Uses a JSON-LD context this service does not know: ${unknown[0]}` };
    }
    const proofs = ([] as Json[]).concat(credential.proof ?? []);
    if (proofs.length === 0) return { check: 'proof', ok: false, code: 'no-proof', detail: 'The credential carries no proof' };
    // A proof set (or chain) may hold proofs by others, endorsers say: each must verify with its own
    // key, and at least one must be the issuer's.
    for (const proof of proofs) {
      if (proof?.type !== 'DataIntegrityProof' || proof?.cryptosuite !== 'eddsa-rdfc-2022') {
        return {
          check: 'proof',
          ok: false,
          code: 'unsupported-proof',
          detail: `Unsupported proof: ${text(proof?.type)} ${text(proof?.cryptosuite ?? '')}`.trim(),
        };
      }
    }
    const controllerOf = (proof: Json) => (typeof proof.verificationMethod === 'string' ? proof.verificationMethod.split('#')[0] : undefined);
    if (issuerId === null || !proofs.some((proof) => controllerOf(proof) === issuerId)) {
      return { check: 'proof', ok: false, code: 'key-not-issuers', detail: 'The proof was made with a key that does not belong to the issuer' };
    }
    for (const proof of proofs) {
      if (!controllerOf(proof) || !(await keys.verificationMethod(proof.verificationMethod))) {
        return {
          check: 'proof',
          ok: false,
          code: 'unknown-key',
          detail: `The signing key ${text(proof.verificationMethod)} is not one of ours nor registered here`,
        };
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
  };
}
