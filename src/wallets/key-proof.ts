/**
 * The wallet's key proof (OpenID4VCI 1.0 §8.2.1.1 and Appendix F.1, proof type `jwt`): a JWT the
 * holder signs with the key the credential is to be bound to. The key comes from the proof itself,
 * never from the network: a `kid` that is a did:key or did:jwk DID URL (resolved from the identifier
 * alone), or a `jwk` header (the holder is then did:jwk of that key). Algorithms are allow-listed:
 * EdDSA (Ed25519) and ES256 (P-256).
 */
import { createPublicKey } from 'node:crypto';
import * as base58 from 'base58-universal';
import { decodeProtectedHeader, errors as joseErrors, importJWK, type JWK, type JWTPayload, jwtVerify } from 'jose';

export const PROOF_TYP = 'openid4vci-proof+jwt';
export const PROOF_ALGORITHMS = ['EdDSA', 'ES256'] as const;
/** How old a proof's `iat` may be, and how far ahead of our clock (seconds). */
export const PROOF_MAX_AGE_S = 300;
export const PROOF_CLOCK_SKEW_S = 60;

/** A proof refused: `invalid_proof` in the credential endpoint's vocabulary, with why. */
export class KeyProofError extends Error {}

/** The holder a proof names: her DID (the credential's subject), and the public key that signed. */
export interface Holder {
  did: string;
  jwk: JWK;
}

// The module's own types name only encode (src/types.d.ts).
const base58btcDecode = (base58 as unknown as { decode(input: string): Uint8Array }).decode;

type PublicJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/** The public members only, in a fixed order (RFC 7638's), so one key always makes one did:jwk. */
function publicJwk(jwk: Record<string, unknown>): PublicJwk {
  if ('d' in jwk) throw new KeyProofError('the jwk header must hold a public key, not a private one');
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  throw new KeyProofError('the key must be Ed25519 (OKP) or P-256 (EC)');
}

/** did:jwk of a key (did:jwk §2): the base64url of its JSON. */
export function didJwkOf(jwk: PublicJwk): string {
  const ordered = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return `did:jwk:${Buffer.from(JSON.stringify(ordered)).toString('base64url')}`;
}

// Multicodec prefixes (varint) of did:key's public keys: ed25519-pub 0xed, p256-pub 0x1200.
const ED25519_PUB = [0xed, 0x01];
const P256_PUB = [0x80, 0x24];
// SubjectPublicKeyInfo of a compressed P-256 point, up to the point itself (RFC 5480).
const P256_SPKI_PREFIX = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

/** The key a did:key names (did:key §3.1: the identifier is the key). */
export function jwkOfDidKey(did: string): PublicJwk {
  const multibase = did.slice('did:key:'.length);
  if (!multibase.startsWith('z')) throw new KeyProofError('a did:key must be base58btc multibase (z…)');
  let bytes: Uint8Array;
  try {
    bytes = base58btcDecode(multibase.slice(1));
  } catch {
    throw new KeyProofError('the did:key is not valid base58btc');
  }
  const starts = (prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
  if (starts(ED25519_PUB) && bytes.length === 34) return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes.subarray(2)).toString('base64url') };
  if (starts(P256_PUB) && bytes.length === 35) {
    try {
      const key = createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, bytes.subarray(2)]), format: 'der', type: 'spki' });
      return publicJwk(key.export({ format: 'jwk' }) as Record<string, unknown>);
    } catch (error) {
      if (error instanceof KeyProofError) throw error;
      throw new KeyProofError('the did:key does not hold a P-256 point');
    }
  }
  throw new KeyProofError('the did:key must be an Ed25519 or P-256 key');
}

function jwkOfDidJwk(did: string): PublicJwk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8'));
  } catch {
    throw new KeyProofError('the did:jwk does not hold a JSON key');
  }
  if (!parsed || typeof parsed !== 'object') throw new KeyProofError('the did:jwk does not hold a JSON key');
  return publicJwk(parsed as Record<string, unknown>);
}

/** The holder and key a proof's header names: a did:key/did:jwk DID URL as `kid`, or a `jwk` (one of them, F.1). */
export function holderOfHeader(header: { kid?: unknown; jwk?: unknown; x5c?: unknown }): { did: string; jwk: PublicJwk } {
  const kinds = ['kid', 'jwk', 'x5c'].filter((k) => header[k as keyof typeof header] !== undefined);
  if (kinds.length !== 1) throw new KeyProofError('the proof header must carry exactly one of kid and jwk');
  if (header.x5c !== undefined) throw new KeyProofError('x5c keys are not accepted: use a did:key kid or a jwk');
  if (header.jwk !== undefined) {
    if (!header.jwk || typeof header.jwk !== 'object') throw new KeyProofError('jwk must be a JSON Web Key');
    const jwk = publicJwk(header.jwk as Record<string, unknown>);
    return { did: didJwkOf(jwk), jwk };
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length > 4096) throw new KeyProofError('kid must be a DID URL');
  const hash = kid.indexOf('#');
  const did = hash === -1 ? kid : kid.slice(0, hash);
  if (did.startsWith('did:key:')) {
    const jwk = jwkOfDidKey(did);
    // did:key §3.1.2: the key's one verification method is the DID's own multibase value as fragment.
    if (hash !== -1 && kid.slice(hash + 1) !== did.slice('did:key:'.length)) throw new KeyProofError('kid names no key of its did:key');
    return { did, jwk };
  }
  if (did.startsWith('did:jwk:')) {
    if (hash !== -1 && kid.slice(hash + 1) !== '0') throw new KeyProofError('a did:jwk key is #0');
    return { did, jwk: jwkOfDidJwk(did) };
  }
  throw new KeyProofError('kid must be a did:key or did:jwk DID URL (no other DID is resolved here)');
}

/**
 * Verifies a key proof: typ, an allowed algorithm matching the key, the signature, aud = our
 * credential issuer identifier, a fresh iat, and a nonce present (whether it is one of ours and
 * unspent, the caller settles). Returns the holder and the nonce; throws KeyProofError.
 */
export async function verifyKeyProof(jwt: string, expected: { audience: string; now: Date }): Promise<Holder & { nonce: string }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new KeyProofError('the proof is not a JWT');
  }
  if (header.typ !== PROOF_TYP) throw new KeyProofError(`the proof's typ must be ${PROOF_TYP}`);
  if (!PROOF_ALGORITHMS.includes(header.alg as (typeof PROOF_ALGORITHMS)[number])) throw new KeyProofError(`alg must be one of ${PROOF_ALGORITHMS.join(', ')}`);
  const holder = holderOfHeader(header);
  const algorithm = holder.jwk.kty === 'OKP' ? 'EdDSA' : 'ES256';
  if (header.alg !== algorithm) throw new KeyProofError(`alg ${header.alg} does not fit a ${holder.jwk.crv} key`);
  let payload: JWTPayload;
  try {
    const key = await importJWK(holder.jwk, algorithm);
    ({ payload } = await jwtVerify(jwt, key, {
      algorithms: [algorithm],
      typ: PROOF_TYP,
      audience: expected.audience,
      maxTokenAge: PROOF_MAX_AGE_S,
      clockTolerance: PROOF_CLOCK_SKEW_S,
      currentDate: expected.now,
      requiredClaims: ['iat'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new KeyProofError('the proof signature does not verify with its key');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new KeyProofError(`the proof's ${error.claim} claim is not acceptable (${error.reason})`);
    if (error instanceof joseErrors.JWTExpired) throw new KeyProofError('the proof has expired');
    throw new KeyProofError('the proof could not be verified');
  }
  // F.1: iat must not be in the future (beyond clock skew); jwtVerify checks only its age.
  if (typeof payload.iat === 'number' && payload.iat > expected.now.getTime() / 1000 + PROOF_CLOCK_SKEW_S)
    throw new KeyProofError('the proof is dated in the future');
  if (typeof payload.nonce !== 'string' || payload.nonce.length === 0) throw new KeyProofError('the proof must carry the c_nonce from the nonce endpoint');
  return { did: holder.did, jwk: holder.jwk, nonce: payload.nonce };
}
