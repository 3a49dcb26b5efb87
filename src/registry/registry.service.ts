/**
 * The operator's registry of external issuers (and their status lists): how the verifier knows
 * keys it will not fetch.
 */
import { createCache } from '../cache.js';
import type { Db } from '../db/database.js';
import type { VerificationMethod } from '../db/types.js';
import { badRequest, notFound } from '../errors.js';
import {
  deleteKnownIssuer,
  deleteKnownStatusListsOf,
  findKnownIssuer,
  findKnownStatusList,
  listKnownIssuers,
  listKnownStatusLists,
  upsertKnownIssuer,
  upsertKnownStatusList,
  type KnownIssuerRow,
} from './registry.repository.js';

export interface KnownIssuerInput {
  id: string;
  name: string;
  url?: string;
  verificationMethods: VerificationMethod[];
}

export interface KnownIssuer extends KnownIssuerInput {
  createdAt: string;
}

export type RegistryService = ReturnType<typeof createRegistryService>;

/**
 * Lookups of an issuer (found or not) are trusted this long: a verification asks twice (keys and
 * name), and employers' checks come in bursts. A change here is seen at once, on another instance
 * within this time.
 */
const LOOKUP_CACHE_MS = 1_000;

export function createRegistryService(deps: { db: Db }) {
  const { db } = deps;
  const lookups = createCache<Promise<KnownIssuer | undefined>>({ ttlMs: LOOKUP_CACHE_MS, maxEntries: 10_000 });

  const toKnownIssuer = (row: KnownIssuerRow): KnownIssuer => ({
    id: row.id,
    name: row.name,
    ...(row.url ? { url: row.url } : {}),
    verificationMethods: row.verification_methods,
    createdAt: row.created_at.toISOString(),
  });

  return {
    async addIssuer(input: KnownIssuerInput): Promise<KnownIssuer> {
      input.verificationMethods.forEach((method, i) => {
        // A key listed for an issuer must belong to it: same controller, id under the issuer's id.
        if (method.controller && method.controller !== input.id) {
          throw badRequest(`verificationMethods[${i}].controller must be the issuer id`, `verificationMethods.${i}.controller`);
        }
        if (!method.id.startsWith(input.id + '#') && !method.id.startsWith(input.id + '/')) {
          throw badRequest(`verificationMethods[${i}].id must start with the issuer id followed by #`, `verificationMethods.${i}.id`);
        }
        if (method.type === 'Multikey' && !method.publicKeyMultibase) {
          throw badRequest('a Multikey needs publicKeyMultibase', `verificationMethods.${i}.publicKeyMultibase`);
        }
        if (method.type === 'JsonWebKey' && !method.publicKeyJwk) {
          throw badRequest('a JsonWebKey needs publicKeyJwk', `verificationMethods.${i}.publicKeyJwk`);
        }
      });
      const methods = input.verificationMethods.map((m) => ({ ...m, controller: input.id }));
      const row = await upsertKnownIssuer(db, { id: input.id, name: input.name, url: input.url ?? null, verificationMethods: methods });
      lookups.delete(input.id);
      return toKnownIssuer(row);
    },

    async listIssuers(): Promise<KnownIssuer[]> {
      return (await listKnownIssuers(db)).map(toKnownIssuer);
    },

    findIssuer(id: string): Promise<KnownIssuer | undefined> {
      return lookups.getOrLoad(id, async () => {
        const row = await findKnownIssuer(db, id);
        return row ? toKnownIssuer(row) : undefined;
      });
    },

    async removeIssuer(id: string): Promise<void> {
      const deleted = await deleteKnownIssuer(db, id);
      lookups.delete(id);
      if (!deleted) throw notFound(`Known issuer ${id}`);
      await deleteKnownStatusListsOf(db, id);
    },

    async saveStatusList(id: string, issuerId: string, credential: Record<string, unknown>): Promise<void> {
      await upsertKnownStatusList(db, { id, issuerId, credential });
    },

    async findStatusList(id: string): Promise<{ issuerId: string; credential: Record<string, unknown> } | undefined> {
      const row = await findKnownStatusList(db, id);
      return row ? { issuerId: row.issuer_id, credential: row.credential } : undefined;
    },

    async listStatusLists() {
      return (await listKnownStatusLists(db)).map((r) => ({
        id: r.id,
        issuerId: r.issuer_id,
        createdAt: r.created_at.toISOString(),
      }));
    },
  };
}
