/**
 * Securing credentials: Data Integrity (eddsa-rdfc-2022, via @digitalbazaar/vc) and VC-JOSE compact
 * JWS (via jose).
 */
import { createHash, sign } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { encode as base58btc } from 'base58-universal';
import jsigs from 'jsonld-signatures';
import { VC_V2_CONTEXT, contextLoader, createDocumentLoader, unknownContexts } from '../jsonld/document-loader.js';
import { createShapeCanonizer } from '../jsonld/shape-canonizer.js';
import type { SigningKey } from './keys.js';

export type UnsignedCredential = Record<string, unknown> & { id: string; validFrom: string };
export type SignedCredential = UnsignedCredential & { proof: Record<string, unknown>[] };

/** One per thread: it keeps the compiled shapes of the documents this thread signs. */
const canonizer = createShapeCanonizer({ documentLoader: contextLoader });
/**
 * Another for the documents this thread verifies, which come from anywhere: checked (a shape is
 * trusted once the standard path agreed with it here) and apart, so that a flood of new shapes
 * cannot push out the ones this thread signs.
 */
const verifyingCanonizer = createShapeCanonizer({ documentLoader: contextLoader, checked: true });

/**
 * The eddsa-rdfc-2022 cryptosuite, canonicalising through the checked canonizer. Only a document
 * whose contexts are all bundled goes that way, and any failure there is answered by the
 * cryptosuite's own canonize with the caller's loader, so a verdict never rests on the compiled
 * path alone being able to read the document.
 */
const verifyingCryptosuite = {
  ...eddsaRdfc2022,
  async canonize(input: Record<string, unknown>, options: Record<string, unknown>): Promise<string> {
    if (unknownContexts(input['@context']).length === 0) {
      try {
        return await verifyingCanonizer.canonize(input);
      } catch {
        // the standard path below gives the real answer, or the real error
      }
    }
    return eddsaRdfc2022.canonize(input, options);
  },
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Adds a DataIntegrityProof (eddsa-rdfc-2022). OB 3.0's schema wants `proof` as an array;
 * the proof value is the same either way, since the proof is removed before canonicalisation.
 *
 * This is what @digitalbazaar/vc's `issue` does (the same checks, proof options and hashes, in the
 * order of Data Integrity EdDSA §3.3.1–3.3.5), with the canonical N-Quads from the shape
 * canonizer instead of a full JSON-LD expansion each time. Ed25519 is deterministic, so the proof
 * is byte for byte the library's: test/jsonld/shape-canonizer.test.ts holds it to that.
 */
export async function signDataIntegrity(credential: UnsignedCredential, key: SigningKey, created: Date = new Date()): Promise<SignedCredential> {
  return { ...credential, proof: [await createDataIntegrityProof(credential, key, created)] };
}

/** The proof alone (what a signing worker sends back: the document is the caller's already). */
export async function createDataIntegrityProof(credential: UnsignedCredential, key: SigningKey, created: Date = new Date()): Promise<Record<string, unknown>> {
  if (!key.multikey) throw new Error('Data Integrity needs an Ed25519 key');
  const context = credential['@context'];
  if (!Array.isArray(context) || context[0] !== VC_V2_CONTEXT) return (await signDataIntegrityWithLibrary(credential, key, created)).proof[0]!;
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
  return { ...proof, proofValue: 'z' + base58btc(sign(null, hashData, key.privateKey)) };
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
 * A proof that names earlier proofs (`previousProof`) signs the document as it stood with them:
 * Data Integrity §4.4 (verify proof sets and chains) verifies it over the document whose `proof`
 * holds exactly the proofs it names.
 */
class ChainedDataIntegrityProof extends DataIntegrityProof {
  constructor(private readonly previousProofs: Record<string, unknown>[]) {
    super({ cryptosuite: verifyingCryptosuite });
  }

  override async createVerifyData(options: { document: Record<string, unknown> } & Record<string, unknown>) {
    return super.createVerifyData({ ...options, document: { ...options.document, proof: this.previousProofs } });
  }
}

/**
 * Verifies every Data Integrity proof of a document (assertion purpose) against key documents
 * resolved beforehand: nothing is looked up while verifying, so this can run in a worker thread.
 * A proof set verifies only when each of its proofs does, and each `previousProof` it names is in the
 * set (the library alone accepts a set when any one proof verifies).
 */
export async function verifyDataIntegrityProof(document: Record<string, unknown>, documents: Record<string, unknown>): Promise<ProofResult> {
  const documentLoader = createDocumentLoader(async (url) => documents[url]);
  const proofs = ([] as Record<string, unknown>[]).concat((document.proof as Record<string, unknown>[] | undefined) ?? []);
  const byId = new Map(proofs.filter((p) => typeof p?.id === 'string').map((p) => [p.id as string, p]));
  for (const proof of proofs) {
    const named = proof?.previousProof === undefined ? [] : ([] as unknown[]).concat(proof.previousProof);
    const previous: Record<string, unknown>[] = [];
    for (const id of named) {
      const found = typeof id === 'string' ? byId.get(id) : undefined;
      if (!found || found === proof) return { verified: false, reason: `previousProof ${String(id)} is not another proof of this document` };
      previous.push(found);
    }
    const suite = previous.length > 0 ? new ChainedDataIntegrityProof(previous) : new DataIntegrityProof({ cryptosuite: verifyingCryptosuite });
    try {
      const result = await jsigs.verify({ ...document, proof }, { suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader });
      if (!result.verified) return { verified: false, reason: result.error?.errors?.[0]?.message ?? result.error?.message ?? 'the signature does not match' };
    } catch (error) {
      return { verified: false, reason: (error as Error).message };
    }
  }
  return proofs.length > 0 ? { verified: true } : { verified: false, reason: 'no proof' };
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
 * A document's JSON text, made once per document object: the JWT payload and the stored row are both
 * built from it. Documents are never changed once signed, so the text stays theirs.
 */
const jsonTexts = new WeakMap<object, string>();
export function jsonOf(document: Record<string, unknown>): string {
  let text = jsonTexts.get(document);
  if (text === undefined) {
    text = JSON.stringify(document);
    jsonTexts.set(document, text);
  }
  return text;
}

const CLAIM_NAMES = ['iss', 'jti', 'nbf', 'sub', 'exp'];

/**
 * VC-JOSE-COSE §3.1.1: the payload is the credential itself (without a Data Integrity proof); the
 * JWT claims OB 3.0 §8.2.4.1 asks for (iss = the issuer's id, jti, nbf, sub, exp) are added beside
 * it. Everything comes from the credential, so the stored document gives the payload back exactly.
 */
function jwtPayloadOf(credential: Record<string, unknown>): string {
  const { proof: _ignored, ...withoutProof } = credential;
  const issuer = credential.issuer as string | { id: string };
  const subject = (credential.credentialSubject as { id?: string } | undefined)?.id;
  // A VC 1.1 credential (signed on the VC-API route) has issuanceDate/expirationDate instead.
  const validFrom = credential.validFrom ?? credential.issuanceDate;
  const validUntil = credential.validUntil ?? credential.expirationDate;
  const claims: JwtClaims = {
    iss: typeof issuer === 'string' ? issuer : issuer.id,
    jti: credential.id as string,
    nbf: Math.floor(Date.parse(validFrom as string) / 1000),
  };
  if (subject) claims.sub = subject;
  if (typeof validUntil === 'string') claims.exp = Math.floor(Date.parse(validUntil) / 1000);
  // The text of {...withoutProof, ...claims}, spliced from the document's own text (claims come after
  // its members, as the spread puts them) instead of serialising the document a second time.
  const document = 'proof' in credential ? JSON.stringify(withoutProof) : jsonOf(credential);
  const payload =
    document.length > 2 && !CLAIM_NAMES.some((name) => name in credential)
      ? `${document.slice(0, -1)},${JSON.stringify(claims).slice(1)}`
      : JSON.stringify({ ...withoutProof, ...claims });
  return Buffer.from(payload).toString('base64url');
}

/**
 * How a JWT is stored: with its payload detached (RFC 7515 Appendix F, `header..signature`), since
 * the payload is the stored document again. Half the bytes written per credential.
 */
export function detachJwtPayload(jwt: string): string {
  const [header, , signature] = jwt.split('.');
  return `${header}..${signature}`;
}

/** The whole JWT again from its stored form and the stored document; a full JWT is returned as is. */
export function attachJwtPayload(stored: string, document: Record<string, unknown>): string {
  const [header, payload, signature] = stored.split('.');
  return payload ? stored : `${header}.${jwtPayloadOf(document)}.${signature}`;
}

/** The protected header of each key's JWTs, encoded once: it is the same for every credential. */
const jwtHeaders = new WeakMap<SigningKey, string>();

function jwtHeaderOf(key: SigningKey): string {
  let header = jwtHeaders.get(key);
  if (!header) {
    const alg = key.algorithm === 'Ed25519' ? 'EdDSA' : 'RS256';
    header = Buffer.from(JSON.stringify({ alg, kid: key.verificationMethod, typ: JWT_MEDIA_TYPE, cty: 'vc' })).toString('base64url');
    jwtHeaders.set(key, header);
  }
  return header;
}

/**
 * A compact JWS (RFC 7515 §7.1), `typ` `vc+jwt` and `cty` `vc` (VC-JOSE-COSE §3.1.1), made with
 * node:crypto directly: jose signs through WebCrypto, whose per-call promise and key handling cost
 * more than the signature. The algorithms are the allow-listed two (EdDSA; RS256 =
 * RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3), and the tests verify every JWT with jose.
 */
export function signJwt(credential: UnsignedCredential, key: SigningKey): string {
  const signingInput = `${jwtHeaderOf(key)}.${jwtPayloadOf(credential)}`;
  const signature = sign(key.algorithm === 'Ed25519' ? null : 'sha256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}
