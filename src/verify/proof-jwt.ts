/** The `proof` check of a credential secured as a compact JWS (VC-JOSE). */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type ProtectedHeaderParameters } from 'jose';
import type { KeyResolver } from './key-resolver.js';
import type { CheckOf } from './verdict.js';
import { text, type Json } from './values.js';

const JWT_ALGORITHMS = ['EdDSA', 'RS256', 'ES256'];

/** Checks a JWT's signature, that its key is the issuer's, and that its claims agree with the credential. */
export function createJwtCheck({ keys }: { keys: KeyResolver }) {
  return async function checkJwt(jwt: string, credential: Json, issuerId: string | null): Promise<CheckOf<'proof'>> {
    let header: ProtectedHeaderParameters;
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
  };
}
