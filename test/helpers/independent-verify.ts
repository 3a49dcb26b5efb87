/**
 * An independent check of what the service issues: the official OB 3.0 JSON Schema (ajv 2019-09),
 * @digitalbazaar/vc with the DID document fetched over the app's own HTTP route, the Bitstring Status
 * List library for status, and jose for the JWT with the key taken from the DID document.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
// @ts-expect-error no types
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { createDocumentLoader } from '../../src/jsonld/document-loader.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const conformanceDir = path.resolve(here, '../../../shared/conformance');

const ajv = new (Ajv2019 as unknown as typeof Ajv2019.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
const schemaFiles: Record<string, string> = {
  achievementcredential: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json',
  endorsementcredential: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json',
  profile: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json',
};
for (const [name, published] of Object.entries(schemaFiles)) {
  const schema = JSON.parse(readFileSync(path.join(conformanceDir, 'ob3', `${name}.json`), 'utf8'));
  ajv.addSchema(schema);
  ajv.addSchema({ ...schema, $id: published });
}

/** Validates against the official OB 3.0 schema; returns the errors (empty when valid). */
export function ob3SchemaErrors(document: unknown, name = 'achievementcredential'): string[] {
  const validate = ajv.getSchema(schemaFiles[name]!)!;
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** did:web:host%3Aport:issuers:slug → /issuers/slug/did.json on this app (did:web §3.2.1). */
function didPath(did: string): string {
  const [, , , ...segments] = did.split(':');
  return '/' + segments.map(decodeURIComponent).join('/') + '/did.json';
}

/** A document loader that reads DID documents and status lists from the app over HTTP. */
export function httpLoader(app: FastifyInstance, publicUrl: string) {
  return createDocumentLoader(async (url) => {
    if (url.startsWith('did:web:')) {
      const [did, fragment] = url.split('#');
      const res = await app.inject({ method: 'GET', url: didPath(did!) });
      if (res.statusCode !== 200) return undefined;
      const document = res.json();
      if (!fragment) return document;
      const method = document.verificationMethod.find((m: { id: string }) => m.id === url);
      return method ? { '@context': document['@context'], ...method } : undefined;
    }
    if (url.startsWith(publicUrl + '/status/')) {
      const res = await app.inject({ method: 'GET', url: url.slice(publicUrl.length) });
      return res.statusCode === 200 ? res.json() : undefined;
    }
    return undefined;
  });
}

export async function verifyWithLibrary(app: FastifyInstance, publicUrl: string, credential: unknown) {
  const documentLoader = httpLoader(app, publicUrl);
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  return vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus: (options: Record<string, unknown>) => checkStatus({ ...options, suite, documentLoader }),
  });
}

/** Verifies a compact JWS with the key its `kid` names in the issuer's DID document. */
export async function verifyJwtWithDidKey(app: FastifyInstance, jwt: string) {
  const header = decodeProtectedHeader(jwt);
  const kid = header.kid!;
  const res = await app.inject({ method: 'GET', url: didPath(kid.split('#')[0]!) });
  const method = res.json().verificationMethod.find((m: { id: string }) => m.id === kid);
  if (!method) throw new Error(`kid ${kid} is not in the DID document`);
  const key =
    method.type === 'Multikey' ? await importJWK(await multikeyToJwk(method.publicKeyMultibase), 'EdDSA') : await importJWK(method.publicKeyJwk, 'RS256');
  const { payload, protectedHeader } = await compactVerify(jwt, key, { algorithms: ['EdDSA', 'RS256'] });
  return { header: protectedHeader, payload: JSON.parse(new TextDecoder().decode(payload)) };
}

async function multikeyToJwk(publicKeyMultibase: string) {
  const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
  const key = await Ed25519Multikey.from({ publicKeyMultibase });
  return (await (Ed25519Multikey as any).toJwk({ keyPair: key })) as Record<string, string>;
}
