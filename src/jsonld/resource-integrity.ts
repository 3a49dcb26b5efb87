/**
 * Integrity of related resources (VC Data Model 2.0 §5.3): a `relatedResource` names a resource by
 * its `id` and a digest of its bytes, `digestSRI` (Subresource Integrity §3.5 hash expressions) or
 * `digestMultibase` (a multibase-encoded digest, VC Data Integrity §2.6). Nothing is fetched: a digest
 * is checked only for a resource whose bytes this service holds, the contexts it bundles; one for any
 * other resource cannot be checked here.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as base58 from 'base58-universal';
import { bundledContext, VC_EXAMPLES_V2_CONTEXT, VC_V1_CONTEXT, VC_V2_CONTEXT } from './document-loader.js';

const require = createRequire(import.meta.url);
// The package has decode too; the project's declaration of it (src/types.d.ts) names encode alone.
const decodeBase58 = (base58 as unknown as { decode(input: string): Uint8Array }).decode;

/** A file a package ships beside its code (their `exports` maps hide it from `require.resolve`). */
function packageFile(name: string, file: string): Buffer {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return readFileSync(path.join(dir, file));
}

/**
 * The bytes of each resource held here, by URL, one entry per revision: the `.jsonld` file each
 * context package ships (the document the loader serves, as its publisher wrote it out), and for the
 * base context also the revision whose digest the Recommendation states (Appendix B.1; see
 * contexts/README.md). test/jsonld/resource-integrity.test.ts checks each file against the document
 * the loader serves for its URL.
 */
export const heldResources: ReadonlyMap<string, readonly Buffer[]> = new Map<string, Buffer[]>([
  [
    VC_V2_CONTEXT,
    [
      packageFile('@digitalbazaar/credentials-context', 'contexts/v2.jsonld'),
      readFileSync(new URL('./contexts/credentials-v2-2024-07.jsonld', import.meta.url)),
    ],
  ],
  [VC_V1_CONTEXT, [packageFile('@digitalbazaar/credentials-context', 'contexts/v1.jsonld')]],
  [VC_EXAMPLES_V2_CONTEXT, [readFileSync(new URL('./contexts/credentials-examples-v2.jsonld', import.meta.url))]],
  ['https://w3id.org/security/data-integrity/v1', [packageFile('@digitalbazaar/data-integrity-context', 'contexts/data-integrity-v1.jsonld')]],
  ['https://w3id.org/security/data-integrity/v2', [packageFile('@digitalbazaar/data-integrity-context', 'contexts/data-integrity-v2.jsonld')]],
  ['https://w3id.org/security/multikey/v1', [packageFile('@digitalbazaar/multikey-context', 'contexts/multikey-v1.jsonld')]],
  [
    'https://www.w3.org/ns/credentials/status/v1',
    [packageFile('@digitalbazaar/vc-bitstring-status-list-context', 'contexts/vc-bitstring-status-list-v1.jsonld')],
  ],
  ['https://www.w3.org/ns/did/v1', [packageFile('did-context', 'contexts/did-v1.jsonld')]],
]);
// A URL listed here and not served would be a resource the service claims to hold and does not.
for (const url of heldResources.keys()) if (bundledContext(url) === undefined) throw new Error(`${url} is held for digests but not bundled`);

const ALGORITHMS = { sha256: 32, sha384: 48, sha512: 64 } as const;
type Algorithm = keyof typeof ALGORITHMS;

/** Multihash codes of the SHA-2 functions (multicodec table): a digestMultibase may carry one. */
const MULTIHASH: Record<number, Algorithm> = { 18: 'sha256', 32: 'sha384', 19: 'sha512' };

const digests = new Map<string, Map<Algorithm, Buffer>[]>();
function digestsOf(url: string): Map<Algorithm, Buffer>[] | undefined {
  const revisions = heldResources.get(url);
  if (!revisions) return undefined;
  let out = digests.get(url);
  if (!out) {
    out = revisions.map((bytes) => new Map((Object.keys(ALGORITHMS) as Algorithm[]).map((a) => [a, createHash(a).update(bytes).digest()])));
    digests.set(url, out);
  }
  return out;
}

/**
 * `match`: the digest is that of the resource (of one of its revisions held here); `mismatch`: it is
 * not; `not-held`: the resource is not one held here, so it cannot be checked; `unreadable`: the value
 * is not a digest in the form the property asks for.
 */
export type DigestCheck = 'match' | 'mismatch' | 'not-held' | 'unreadable';

/** One digest against the revisions held; every digest given must match one revision. */
function compare(url: string, given: { algorithm: Algorithm; digest: Buffer }[]): DigestCheck {
  const held = digestsOf(url);
  if (!held) return 'not-held';
  return held.some((revision) => given.every(({ algorithm, digest }) => revision.get(algorithm)!.equals(digest))) ? 'match' : 'mismatch';
}

const SRI_TOKEN = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(\?[\x21-\x7e]*)?$/;

/**
 * Checks a `digestSRI` value: one or more hash expressions (`sha384-<base64>`, space-separated), each
 * of which must be a digest of the resource.
 */
export function checkDigestSRI(url: string, value: unknown): DigestCheck {
  if (typeof value !== 'string') return 'unreadable';
  const tokens = value.trim().split(/\s+/);
  const given: { algorithm: Algorithm; digest: Buffer }[] = [];
  for (const token of tokens) {
    const match = SRI_TOKEN.exec(token);
    if (!match) return 'unreadable';
    const algorithm = match[1] as Algorithm;
    const digest = Buffer.from(match[2]!, 'base64');
    if (digest.length !== ALGORITHMS[algorithm]) return 'unreadable';
    given.push({ algorithm, digest });
  }
  return compare(url, given);
}

/** Decodes a multibase string (the prefixes the Data Integrity and Multiformats documents use). */
function decodeMultibase(value: string): Buffer | undefined {
  const [prefix, body] = [value[0], value.slice(1)];
  if (!body) return undefined;
  try {
    switch (prefix) {
      case 'u':
      case 'U':
        return /^[A-Za-z0-9_-]+={0,2}$/.test(body) ? Buffer.from(body, 'base64url') : undefined;
      case 'm':
      case 'M':
        return /^[A-Za-z0-9+/]+={0,2}$/.test(body) ? Buffer.from(body, 'base64') : undefined;
      case 'z':
        return Buffer.from(decodeBase58(body));
      case 'f':
      case 'F':
        return /^([0-9a-fA-F]{2})+$/.test(body) ? Buffer.from(body, 'hex') : undefined;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * Checks a `digestMultibase` value (a string or a list of them): a multibase-encoded SHA-2 digest,
 * bare (the length says which) or as a multihash.
 */
export function checkDigestMultibase(url: string, value: unknown): DigestCheck {
  const values = ([] as unknown[]).concat(value);
  if (values.length === 0) return 'unreadable';
  const given: { algorithm: Algorithm; digest: Buffer }[] = [];
  for (const item of values) {
    if (typeof item !== 'string') return 'unreadable';
    const bytes = decodeMultibase(item);
    if (!bytes) return 'unreadable';
    const multihash = MULTIHASH[bytes[0]!];
    if (multihash && bytes.length === 2 + ALGORITHMS[multihash] && bytes[1] === ALGORITHMS[multihash]) {
      given.push({ algorithm: multihash, digest: bytes.subarray(2) });
      continue;
    }
    const bare = (Object.keys(ALGORITHMS) as Algorithm[]).find((a) => ALGORITHMS[a] === bytes.length);
    if (!bare) return 'unreadable';
    given.push({ algorithm: bare, digest: bytes });
  }
  return compare(url, given);
}
