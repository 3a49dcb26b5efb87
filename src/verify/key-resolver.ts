/**
 * Resolves verification methods without the network: our own did:web issuers from the database,
 * did:key from the identifier itself, anything else only from the operator's registry.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { createCache } from '../cache.js';
import { didWebBase } from '../config.js';
import type { VerificationMethod } from '../db/types.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import type { RegistryService } from '../registry/registry.service.js';
import type { Urls } from '../urls.js';

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

export interface ControllerDocument {
  '@context': string[];
  id: string;
  verificationMethod: VerificationMethod[];
  assertionMethod: string[];
  authentication?: string[];
}

export interface IssuerIdentity {
  recognized: boolean;
  /** 'ours' | 'registry' | 'did:key' | 'unknown' */
  source: 'ours' | 'registry' | 'did:key' | 'unknown';
  name?: string;
  url?: string;
}

export type KeyResolver = ReturnType<typeof createKeyResolver>;

export function createKeyResolver(deps: { urls: Urls; issuers: IssuerService; registry: RegistryService }) {
  const { urls, issuers, registry } = deps;
  const ourDidPrefix = `${didWebBase(urls.base)}:issuers:`;
  // Our issuers' DID documents and names change only on rotation or never: a few seconds of reuse
  // spares the database on every verification. Rotation adds keys; old ones are never removed.
  const CACHE_MS = 5_000;
  const ourDocuments = createCache<Promise<ControllerDocument | undefined>>({ ttlMs: CACHE_MS, maxEntries: 10_000 });
  const ourNames = createCache<Promise<IssuerIdentity>>({ ttlMs: CACHE_MS, maxEntries: 10_000 });

  function ourSlug(did: string): string | undefined {
    if (!did.startsWith(ourDidPrefix)) return undefined;
    const slug = did.slice(ourDidPrefix.length);
    return /^[a-z0-9-]{1,63}$/.test(slug) ? slug : undefined;
  }

  /** The controller document of `controllerId`, or undefined when it is not one we can know. */
  async function controllerDocument(controllerId: string, fresh = false): Promise<ControllerDocument | undefined> {
    const slug = ourSlug(controllerId);
    if (slug) {
      if (fresh) ourDocuments.delete(slug);
      return ourDocuments.getOrLoad(slug, async () => {
        try {
          return (await issuers.didDocument(slug)) as unknown as ControllerDocument;
        } catch {
          return undefined;
        }
      });
    }
    if (controllerId.startsWith('did:key:')) {
      const multibase = controllerId.slice('did:key:'.length);
      if (!/^z6Mk[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(multibase)) return undefined;
      const id = `${controllerId}#${multibase}`;
      return {
        '@context': [DID_V1, MULTIKEY_V1],
        id: controllerId,
        verificationMethod: [{ id, type: 'Multikey', controller: controllerId, publicKeyMultibase: multibase }],
        assertionMethod: [id],
        // did:key §3.1.3: the one key serves every relationship, holders' authentication included.
        authentication: [id],
      };
    }
    const known = await registry.findIssuer(controllerId);
    if (!known) return undefined;
    return {
      '@context': [DID_V1, MULTIKEY_V1],
      id: known.id,
      verificationMethod: known.verificationMethods,
      assertionMethod: known.verificationMethods.map((m) => m.id),
    };
  }

  /** A verification method by its full id (`<controller>#<fragment>`). */
  async function verificationMethod(methodId: string): Promise<VerificationMethod | undefined> {
    const controllerId = methodId.split('#')[0]!;
    const find = (document: ControllerDocument | undefined) => document?.verificationMethod.find((m) => m.id === methodId);
    // A key added by a rotation (here or on another instance) is not in a cached document yet.
    return find(await controllerDocument(controllerId)) ?? (ourSlug(controllerId) ? find(await controllerDocument(controllerId, true)) : undefined);
  }

  return {
    controllerDocument,
    verificationMethod,
    ourSlug,

    /** What the JSON-LD document loader may return for a DID or key URL (never fetched). */
    async resolve(url: string): Promise<unknown | undefined> {
      if (url.includes('#')) {
        const method = await verificationMethod(url);
        return method ? { '@context': MULTIKEY_V1, ...method } : undefined;
      }
      return controllerDocument(url);
    },

    /** The public key of a method as a JWK, for JOSE. */
    async publicJwk(methodId: string): Promise<Record<string, string> | undefined> {
      const method = await verificationMethod(methodId);
      if (!method) return undefined;
      if (method.publicKeyJwk) return method.publicKeyJwk;
      if (method.publicKeyMultibase) {
        const key = await Ed25519Multikey.from({ publicKeyMultibase: method.publicKeyMultibase });
        return (await (Ed25519Multikey as unknown as { toJwk(o: unknown): Promise<Record<string, string>> }).toJwk({ keyPair: key })) as Record<string, string>;
      }
      return undefined;
    },

    async identify(issuerId: string): Promise<IssuerIdentity> {
      const slug = ourSlug(issuerId);
      if (slug) {
        return ourNames.getOrLoad(slug, async (): Promise<IssuerIdentity> => {
          try {
            const issuer = await issuers.issuerBySlug(slug);
            return { recognized: true, source: 'ours', name: issuer.name, url: issuer.url };
          } catch {
            return { recognized: false, source: 'unknown' };
          }
        });
      }
      const known = await registry.findIssuer(issuerId);
      if (known) return { recognized: true, source: 'registry', name: known.name, ...(known.url ? { url: known.url } : {}) };
      if (issuerId.startsWith('did:key:')) return { recognized: false, source: 'did:key' };
      return { recognized: false, source: 'unknown' };
    },
  };
}
