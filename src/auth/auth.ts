/**
 * Bearer-token authentication: the operator's ADMIN_TOKEN, or an institution's API key.
 * API keys are stored as SHA-256 hashes; the admin token is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createCache, type Cache } from '../cache.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import type { BearerRole } from '../../schemas/common.js';
import { AppError, ErrorCode, forbidden, unauthorized } from '../errors.js';
import { findApiKeyByTokenHash } from './api-key.repository.js';

export type IssuerPrincipal = { kind: 'issuer'; issuerId: string; issuerSlug: string; apiKeyId: string; issuer: IssuerRow };
export type Principal = { kind: 'admin' } | IssuerPrincipal;

/** How long an instance trusts an API key it has found valid, without asking the database again. */
const API_KEY_CACHE_MS = 1_000;

/** API keys an instance keeps found valid. */
const CACHED_API_KEYS = 10_000;

export type ApiKeyCache = Cache<IssuerPrincipal>;

/**
 * API keys recently found valid, by token hash (never the token). A key revoked through this
 * instance is deleted at once (by the hash its revocation returns); one revoked through another
 * instance stops working within API_KEY_CACHE_MS. Unknown and revoked tokens are never kept, so
 * guessing always reaches the database and the failure limiter.
 */
export function createApiKeyCache(ttlMs = API_KEY_CACHE_MS): ApiKeyCache {
  return createCache<IssuerPrincipal>({ maxEntries: CACHED_API_KEYS, ttlMs });
}

export const API_TOKEN_PREFIX = 'ieum_';

export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

const sha256 = (secret: string) => createHash('sha256').update(secret).digest();

export function hashToken(token: string): string {
  return sha256(token).toString('hex');
}

/** The admin token's digest, made once: a request's token is hashed once, for both comparisons. */
let adminDigest: { token: string; digest: Buffer } | undefined;
function digestOfAdmin(adminToken: string): Buffer {
  if (adminDigest?.token !== adminToken) adminDigest = { token: adminToken, digest: sha256(adminToken) };
  return adminDigest.digest;
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw unauthorized();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('The Authorization header must be "Bearer <token>"');
  return match[1]!;
}

/**
 * Counts failed authentications per client address in a one-minute window, so guessing tokens
 * meets 429 quickly. Per instance: behind a balancer each instance counts its own.
 */
export function createAuthFailureLimiter(limitPerMinute: number) {
  const failures = new Map<string, { count: number; resetAt: number }>();
  return {
    check(address: string): void {
      if (limitPerMinute === 0) return;
      const entry = failures.get(address);
      if (entry && entry.resetAt > Date.now() && entry.count >= limitPerMinute) {
        throw new AppError(429, ErrorCode.rateLimited, 'Too many failed authentications from this address; wait a minute');
      }
    },
    fail(address: string): void {
      if (limitPerMinute === 0) return;
      const now = Date.now();
      const entry = failures.get(address);
      if (!entry || entry.resetAt <= now) failures.set(address, { count: 1, resetAt: now + 60_000 });
      else entry.count++;
      if (failures.size > 10_000) for (const [key, value] of failures) if (value.resetAt <= now) failures.delete(key);
    },
  };
}

export type AuthFailureLimiter = ReturnType<typeof createAuthFailureLimiter>;

/** Finds who sends the request; throws 401 for a missing, unknown or revoked token. */
export async function authenticate(
  db: Db,
  adminToken: string | undefined,
  request: FastifyRequest,
  limiter?: AuthFailureLimiter,
  apiKeys?: ApiKeyCache,
): Promise<Principal> {
  limiter?.check(request.ip);
  try {
    return await resolvePrincipal(db, adminToken, request, apiKeys);
  } catch (error) {
    if (error instanceof AppError && error.status === 401) limiter?.fail(request.ip);
    throw error;
  }
}

async function resolvePrincipal(db: Db, adminToken: string | undefined, request: FastifyRequest, apiKeys?: ApiKeyCache): Promise<Principal> {
  const token = bearerToken(request);
  // Compared as digests: constant time whatever the lengths.
  const digest = sha256(token);
  if (adminToken && timingSafeEqual(digest, digestOfAdmin(adminToken))) return { kind: 'admin' };
  if (!token.startsWith(API_TOKEN_PREFIX)) throw unauthorized('The token is not valid');
  const tokenHash = digest.toString('hex');
  const known = apiKeys?.get(tokenHash);
  if (known) return known;
  const row = await findApiKeyByTokenHash(db, tokenHash);
  if (!row || row.revoked_at) throw unauthorized('The token is not valid or has been revoked');
  const { api_key_id: apiKeyId, revoked_at: _revokedAt, ...issuer } = row;
  const principal: IssuerPrincipal = { kind: 'issuer', issuerId: issuer.id, issuerSlug: issuer.slug, apiKeyId, issuer };
  apiKeys?.set(tokenHash, principal);
  return principal;
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== 'admin') throw forbidden('This route needs the operator token');
}

/** The issuer a request acts for; the admin token is not an institution. */
export function requireIssuer(principal: Principal): IssuerPrincipal {
  if (principal.kind !== 'issuer') throw forbidden("This route needs an institution's API key");
  return principal;
}

/**
 * The role a route's OpenAPI security names (schemas/common.ts), checked before the body is read.
 * Handlers still ask for the principal they need (requireAdmin, authenticateIssuer): that gives
 * them its type, and keeps a route closed should its schema ever lose the role.
 */
export function requireRole(principal: Principal, role: BearerRole): void {
  if (role === 'operator') requireAdmin(principal);
  else requireIssuer(principal);
}

/** How a principal appears in the audit trail. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'admin' ? 'admin' : `api-key:${principal.apiKeyId}`;
}
