/**
 * Securing credentials: Data Integrity (eddsa-rdfc-2022, via @digitalbazaar/vc) and VC-JOSE compact
 * JWS (via jose).
 */
import { createHash, sign } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { encode as base58btc } from 'base58-universal';
import { CompactSign } from 'jose';
import jsigs from 'jsonld-signatures';
import { VC_V2_CONTEXT, contextLoader, createDocumentLoader } from '../jsonld/document-loader.js';
import { createShapeCanonizer } from '../jsonld/shape-canonizer.js';
import type { SigningKey } from './keys.js';

export type UnsignedCredential = Record<string, unknown> & { id: string; validFrom: string };
export type SignedCredential = UnsignedCredential & { proof: Record<string, unknown>[] };

/** One per thread: it keeps the compiled shapes of the documents this thread signs. */
const canonizer = createShapeCanonizer({ documentLoader: contextLoader });

/** How many signatures took the compiled canonicalisation and how many the standard one. */
export const canonizerStats = canonizer.stats;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Adds a DataIntegrityProof (eddsa-rdfc-2022). OB 3.0's schema wants `proof` as an array;
 * the proof value is the same either way, since the proof is removed before canonicalisation.
 *
 * This is what @digitalbazaar/vc's `issue` does (the same checks, proof options and hashes, in the
 * order of Data Integrity EdDSA §3.3.1–3.3.5), with the canonical N-Quads from the shape
 * canonizer instead of a full JSON-LD expansion each time. Ed25519 is deterministic, so the proof
 * is byte for byte the library's: test/crypto/securing.test.ts holds it to that.
 */
export async function signDataIntegrity(
  credential: UnsignedCredential,
  key: SigningKey,
  created: Date = new Date(),
): Promise<SignedCredential> {
  if (!key.multikey) throw new Error('Data Integrity needs an Ed25519 key');
  const context = credential['@context'];
  if (!Array.isArray(context) || context[0] !== VC_V2_CONTEXT) return signDataIntegrityWithLibrary(credential, key, created);
  vc._checkCredential({ credential, mode: 'issue' });
  const proof = {
    type: 'DataIntegrityProof',
    created: created.toISOString().slice(0, -5) + 'Z',
    verificationMethod: key.verificationMethod,
    cryptosuite: 'eddsa-rdfc-2022',
    proofPurpose: 'assertionMethod',
  };
  // §3.3.4 proof configuration: the proof options under the document's @context (the VC 2.0
  // context defines the Data Integrity terms, so nothing is added).
  const [proofConfig, document] = await Promise.all([canonizer.canonize({ '@context': context, ...proof }), canonizer.canonize(credential)]);
  // §3.3.5 hashing: SHA-256 of the proof configuration, then of the document.
  const hashData = Buffer.concat([sha256(proofConfig), sha256(document)]);
  const proofValue = 'z' + base58btc(sign(null, hashData, key.privateKey));
  return { ...credential, proof: [{ ...proof, proofValue }] } as SignedCredential;
}

/** The library's own path, for documents that are not VC 2.0 (none that this service makes). */
async function signDataIntegrityWithLibrary(credential: UnsignedCredential, key: SigningKey, created: Date): Promise<SignedCredential> {
  const suite = new DataIntegrityProof({ signer: key.multikey!.signer(), cryptosuite: eddsaRdfc2022, date: created });
  const signed = await vc.issue({ credential, suite, documentLoader: contextLoader });
  const proof = signed.proof;
  return { ...signed, proof: Array.isArray(proof) ? proof : [proof] } as SignedCredential;
}

export interface ProofResult {
  verified: boolean;
  reason?: string;
}

/**
 * Verifies a Data Integrity proof (assertion purpose) against key documents resolved beforehand:
 * nothing is looked up while verifying, so this can run in a worker thread.
 */
export async function verifyDataIntegrityProof(document: Record<string, unknown>, documents: Record<string, unknown>): Promise<ProofResult> {
  const documentLoader = createDocumentLoader(async (url) => documents[url]);
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  try {
    const result = await jsigs.verify(document, { suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader });
    if (result.verified) return { verified: true };
    return { verified: false, reason: result.error?.errors?.[0]?.message ?? result.error?.message ?? 'the signature does not match' };
  } catch (error) {
    return { verified: false, reason: (error as Error).message };
  }
}

export interface JwtClaims {
  iss: string;
  jti: string;
  sub?: string;
  nbf: number;
  exp?: number;
}

export const JWT_MEDIA_TYPE = 'vc+jwt';

/**
 * VC-JOSE-COSE §3.1.1: the payload is the credential itself, `typ` is `vc+jwt`, `cty` `vc`; the JWT
 * claims OB 3.0 asks for (iss, jti, nbf, sub, exp) are added beside it.
 */
export async function signJwt(credential: UnsignedCredential, key: SigningKey): Promise<string> {
  const alg = key.algorithm === 'Ed25519' ? 'EdDSA' : 'RS256';
  const subject = (credential.credentialSubject as { id?: string } | undefined)?.id;
  const claims: JwtClaims = {
    iss: key.controller,
    jti: credential.id,
    nbf: Math.floor(Date.parse(credential.validFrom) / 1000),
  };
  if (subject) claims.sub = subject;
  if (typeof credential.validUntil === 'string') claims.exp = Math.floor(Date.parse(credential.validUntil) / 1000);
  const { proof: _ignored, ...withoutProof } = credential as Record<string, unknown>;
  const payload = new TextEncoder().encode(JSON.stringify({ ...withoutProof, ...claims }));
  return new CompactSign(payload)
    .setProtectedHeader({ alg, kid: key.verificationMethod, typ: JWT_MEDIA_TYPE, cty: 'vc' })
    .sign(key.privateKey);
}
