/**
 * Turning what a person hands over (text, a file, a baked badge image, a verify body) into a
 * credential to verify. Throws InvalidInput, never an HTTP error: only what is not a credential
 * at all is refused; everything else is the verdict's to judge.
 */
import { decodeJwt } from 'jose';
import { unbakePng, unbakeSvg } from '../badges/baking.js';
import { InvalidInput } from '../invalid-input.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from '../untrusted-json.js';
import type { VerifyInput } from './verdict.js';
import type { Json } from './values.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** JWT claims that VC-JOSE adds beside the credential; left out of the credential view. */
const JWT_CLAIMS = ['iss', 'jti', 'nbf', 'exp', 'iat', 'sub', 'aud'];

const nestedTooDeep = (field: string) => new InvalidInput(`JSON nested more than ${MAX_JSON_DEPTH} levels deep is not accepted`, field);

/**
 * The credential text inside a file: a baked PNG or SVG badge (OB 3.0 §5.3), or JSON/JWT text.
 * @throws InvalidInput (field `image`) for a malformed image
 */
export function textFromFile(file: Buffer, typeHint = ''): string {
  if (file.subarray(0, 8).equals(PNG_SIGNATURE)) return unbakePng(file)?.trim() ?? '';
  const text = file.toString('utf8').trim();
  if (/svg/i.test(typeHint) || text.startsWith('<')) return unbakeSvg(text)?.trim() ?? '';
  return text;
}

/**
 * JSON text is a credential, anything else is taken as a compact JWS; undefined for bad JSON.
 * @throws InvalidInput (naming `field`) for JSON nested too deeply to parse safely
 */
export function inputFromText(text: string, field = 'body'): VerifyInput | undefined {
  if (text.startsWith('{')) {
    if (jsonNestingExceeds(text)) throw nestedTooDeep(field);
    try {
      return { credential: JSON.parse(text) };
    } catch {
      return undefined;
    }
  }
  return { jwt: text };
}

/** What to verify of a credential this service holds: its signed JSON-LD, or its JWT when it has no proof. */
export function verifyInputOf(held: { credential: Record<string, unknown>; jwt: string }): VerifyInput {
  return securedByJwtAlone(held.credential) ? { jwt: held.jwt } : { credential: held.credential };
}

/**
 * The credential of a verify input, and its JWT when it came as one.
 * @throws InvalidInput when the input is not a credential at all
 */
export function readCredential(input: VerifyInput): { credential: Json; jwt?: string } {
  if (typeof input.jwt === 'string') {
    const jwt = input.jwt.trim();
    if (jsonNestingExceeds(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))) throw nestedTooDeep('jwt');
    let payload: Json;
    try {
      payload = decodeJwt(jwt) as Json;
    } catch {
      throw new InvalidInput('jwt is not a compact JWS with a JSON payload', 'jwt');
    }
    // VC-JOSE-COSE puts the credential in the payload; older VC-JWT (and OB 3.0's JWT examples) under `vc`.
    const body = payload.vc && typeof payload.vc === 'object' ? payload.vc : payload;
    const credential = Object.fromEntries(Object.entries(body).filter(([k]) => body !== payload || !JWT_CLAIMS.includes(k)));
    if (!credential.issuer && payload.iss) credential.issuer = payload.iss;
    if (!isCredential(credential)) throw new InvalidInput('the JWT payload is not a verifiable credential', 'jwt');
    return { credential, jwt };
  }
  const credential = input.credential;
  if (!isCredential(credential))
    throw new InvalidInput('credential must be a verifiable credential: an object with @context and a type including VerifiableCredential', 'credential');
  return { credential };
}

function isCredential(value: unknown): value is Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Json;
  const types = ([] as unknown[]).concat(v.type ?? []);
  return v['@context'] !== undefined && types.includes('VerifiableCredential');
}
