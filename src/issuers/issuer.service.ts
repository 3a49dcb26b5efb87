/**
 * Institutions: creation with their keys and first API key, the OB Profile, the did:web document.
 */
import { randomUUID } from 'node:crypto';
import { insertAuditEvents } from '../audit/audit.repository.js';
import { insertApiKey, revokeApiKey } from '../auth/api-key.repository.js';
import { hashToken, newApiToken, type ApiKeyCache } from '../auth/auth.js';
import type { KeyStore } from './key-store.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import { conflict, notFound } from '../errors.js';
import { acceptImage } from '../images.js';
import { OB_V3_CONTEXT, VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { Urls } from '../urls.js';
import { findIssuerBySlug, insertIssuer } from './issuer.repository.js';

export interface IssuerInput {
  slug: string;
  name: string;
  url: string;
  email: string;
  description?: string;
  image?: string;
}

export interface NewApiKey {
  id: string;
  token: string;
  label: string | null;
}

export const DID_CONTEXTS = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1', 'https://w3id.org/security/jwk/v1'];

export type IssuerService = ReturnType<typeof createIssuerService>;

export function createIssuerService(deps: { db: Db; keys: KeyStore; urls: Urls; apiKeys: ApiKeyCache }) {
  const { db, keys, urls, apiKeys } = deps;

  /** The OB 3.0 Profile embedded in credentials (without @context). */
  function profileOf(issuer: IssuerRow): Record<string, unknown> {
    const profile: Record<string, unknown> = {
      id: urls.issuerDid(issuer.slug),
      type: ['Profile'],
      name: issuer.name,
      url: issuer.url,
      email: issuer.email,
    };
    if (issuer.description) profile.description = issuer.description;
    if (issuer.image) profile.image = { id: issuer.image, type: 'Image' };
    return profile;
  }

  async function issuerBySlug(slug: string): Promise<IssuerRow> {
    const issuer = await findIssuerBySlug(db, slug);
    if (!issuer) throw notFound(`Institution "${slug}"`);
    return issuer;
  }

  return {
    profileOf,
    issuerBySlug,

    async create(input: IssuerInput, actor: string) {
      if (await findIssuerBySlug(db, input.slug)) {
        throw conflict(`An institution with slug "${input.slug}" already exists`, 'slug');
      }
      // Checked (an SVG re-rendered to PNG) before anything is written: src/images.ts.
      const image = input.image === undefined ? null : await acceptImage(input.image, 'image');
      const issuerId = randomUUID();
      const apiKey: NewApiKey = { id: randomUUID(), token: newApiToken(), label: 'first key' };
      try {
        await db.transaction().execute(async (trx) => {
          await insertIssuer(trx, {
            id: issuerId,
            slug: input.slug,
            name: input.name,
            url: input.url,
            email: input.email,
            description: input.description ?? null,
            image,
          });
          await keys.addKeys(trx, issuerId);
          await insertApiKey(trx, { id: apiKey.id, issuerId, tokenHash: hashToken(apiKey.token), label: apiKey.label });
          await insertAuditEvents(trx, [
            { issuerId, actor, action: 'issuer.created', subject: input.slug },
            { issuerId, actor, action: 'api-key.created', subject: apiKey.id },
          ]);
        });
      } catch (error) {
        // Two requests racing for one slug: the unique index decides, the loser gets 409.
        if ((error as { code?: string }).code === '23505') {
          throw conflict(`An institution with slug "${input.slug}" already exists`, 'slug');
        }
        throw error;
      }
      const issuer = await issuerBySlug(input.slug);
      return { slug: issuer.slug, did: urls.issuerDid(issuer.slug), profile: this.publicProfile(issuer), apiKey };
    },

    /** GET /issuers/{slug}: the Profile as a JSON-LD document. */
    publicProfile(issuer: IssuerRow): Record<string, unknown> {
      return { '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...profileOf(issuer) };
    },

    async didDocument(slug: string): Promise<Record<string, unknown>> {
      const issuer = await issuerBySlug(slug);
      const did = urls.issuerDid(slug);
      const rows = await keys.allKeys(issuer.id);
      const verificationMethod = rows.map((row) =>
        row.algorithm === 'Ed25519'
          ? { id: `${did}#${row.fragment}`, type: 'Multikey', controller: did, publicKeyMultibase: row.public_key_multibase }
          : {
              id: `${did}#${row.fragment}`,
              type: 'JsonWebKey',
              controller: did,
              publicKeyJwk: { ...row.public_jwk, alg: 'RS256', kid: `${did}#${row.fragment}` },
            },
      );
      // Retired keys stay listed, so credentials they signed keep verifying.
      const ids = verificationMethod.map((m) => m.id);
      return {
        '@context': DID_CONTEXTS,
        id: did,
        alsoKnownAs: [urls.issuerProfile(slug)],
        verificationMethod,
        assertionMethod: ids,
        authentication: ids,
      };
    },

    async createApiKey(slug: string, label: string | undefined, actor: string): Promise<NewApiKey> {
      const issuer = await issuerBySlug(slug);
      const apiKey: NewApiKey = { id: randomUUID(), token: newApiToken(), label: label ?? null };
      await db.transaction().execute(async (trx) => {
        await insertApiKey(trx, { id: apiKey.id, issuerId: issuer.id, tokenHash: hashToken(apiKey.token), label: apiKey.label });
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'api-key.created', subject: apiKey.id }]);
      });
      return apiKey;
    },

    async revokeApiKey(slug: string, keyId: string, actor: string): Promise<void> {
      const issuer = await issuerBySlug(slug);
      const tokenHash = await db.transaction().execute(async (trx) => {
        const revoked = await revokeApiKey(trx, issuer.id, keyId);
        if (!revoked) throw notFound(`API key ${keyId}`);
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'api-key.revoked', subject: keyId }]);
        return revoked;
      });
      apiKeys.delete(tokenHash);
    },

    async rotateKeys(slug: string, actor: string) {
      const issuer = await issuerBySlug(slug);
      await db.transaction().execute(async (trx) => {
        await keys.rotate(trx, issuer.id);
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'keys.rotated', subject: slug }]);
      });
      keys.forget(issuer.id);
      const rows = await keys.allKeys(issuer.id);
      const did = urls.issuerDid(slug);
      return { did, verificationMethods: rows.filter((r) => !r.retired_at).map((r) => `${did}#${r.fragment}`) };
    },
  };
}
