/**
 * VC-API presentations: the holder's Data Integrity proof (authentication, with the verifier's
 * challenge and domain), then every credential inside on its own.
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsigs from 'jsonld-signatures';
import { InvalidInput } from '../invalid-input.js';
import { containsPrototypeName, createDocumentLoader, unknownContexts } from '../jsonld/document-loader.js';
import type { KeyResolver } from './key-resolver.js';
import type { CheckOf, Verdict, VerifyInput } from './verdict.js';
import { idOf, text, type Json } from './values.js';

export interface PresentationVerdict {
  verified: boolean;
  holder: string | null;
  checks: [CheckOf<'proof'>];
  credentials: Verdict[];
}

export function createPresentationVerifier({ keys, verifyCredential }: { keys: KeyResolver; verifyCredential: (input: VerifyInput) => Promise<Verdict> }) {
  const documentLoader = createDocumentLoader((url) => keys.resolve(url));
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });

  async function checkHolderProof(presentation: Json, holder: string | null, options: { challenge?: string; domain?: string }): Promise<CheckOf<'proof'>> {
    // VC-DM 2.0 §4.13: holder is optional; when present, a URL or an object whose id is one.
    const holderInvalid = presentation.holder !== undefined && (holder === null || !URL.canParse(holder));
    const proofs = ([] as Json[]).concat(presentation.proof ?? []);
    if (containsPrototypeName(presentation)) {
      return { check: 'proof', ok: false, code: 'signature-invalid', detail: 'The presentation contains a forbidden name (__proto__)' };
    }
    const unknown = unknownContexts(presentation['@context']);
    if (unknown.length > 0) {
      return { check: 'proof', ok: false, code: 'unknown-context', detail: `Uses a JSON-LD context this service does not know: ${unknown[0]}` };
    }
    if (proofs.length !== 1 || proofs[0]?.type !== 'DataIntegrityProof' || proofs[0]?.cryptosuite !== 'eddsa-rdfc-2022') {
      return { check: 'proof', ok: false, code: 'unsupported-proof', detail: 'The presentation needs one eddsa-rdfc-2022 DataIntegrityProof' };
    }
    if (holderInvalid) {
      return { check: 'proof', ok: false, code: 'holder-invalid', detail: 'The holder must be a URL or an object whose id is a URL' };
    }
    if (holder && text(proofs[0]!.verificationMethod).split('#')[0] !== holder) {
      // With a holder, the proof must be the holder's; without one, it is checked against its own
      // verification method (resolved as every key is: did:key, ours, the registry's).
      return { check: 'proof', ok: false, code: 'key-not-issuers', detail: 'The presentation was not signed with a key of its holder' };
    }
    if (!options.challenge) {
      return { check: 'proof', ok: false, code: 'no-challenge', detail: 'A challenge is required, so an old presentation cannot be replayed' };
    }
    try {
      const purpose = new jsigs.purposes.AuthenticationProofPurpose({ challenge: options.challenge, ...(options.domain ? { domain: options.domain } : {}) });
      const result = await jsigs.verify(presentation, { suite, purpose, documentLoader });
      return result.verified
        ? {
            check: 'proof',
            ok: true,
            code: 'signature-valid',
            detail: holder
              ? 'The holder signed this presentation for this challenge and domain'
              : 'The presentation is signed, for this challenge and domain, with the key it names (it names no holder)',
          }
        : {
            check: 'proof',
            ok: false,
            code: 'signature-invalid',
            detail: `The presentation proof does not hold: ${result.error?.errors?.[0]?.message ?? result.error?.message ?? 'invalid'}`,
          };
    } catch (error) {
      return { check: 'proof', ok: false, code: 'signature-invalid', detail: `The presentation proof could not be checked: ${(error as Error).message}` };
    }
  }

  /** @throws InvalidInput when it is not a presentation, or a credential inside is not a credential */
  return async function verifyPresentation(presentation: Json, options: { challenge?: string; domain?: string }): Promise<PresentationVerdict> {
    const types = ([] as unknown[]).concat(presentation?.type ?? []);
    if (!presentation || typeof presentation !== 'object' || !types.includes('VerifiablePresentation')) {
      throw new InvalidInput('verifiablePresentation must have the type VerifiablePresentation', 'verifiablePresentation.type');
    }
    const holder = idOf(presentation.holder);
    const proof = await checkHolderProof(presentation, holder, options);
    const credentials: Verdict[] = [];
    for (const credential of ([] as unknown[]).concat(presentation.verifiableCredential ?? [])) {
      credentials.push(await verifyCredential(typeof credential === 'string' ? { jwt: credential } : { credential }));
    }
    return { verified: proof.ok === true && credentials.every((c) => c.verified), holder, checks: [proof], credentials };
  };
}
