/** The audit trail as an institution reads it, a page at a time. */
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import { listAuditEvents } from './audit.repository.js';

export type AuditService = ReturnType<typeof createAuditService>;

export function createAuditService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** Up to `limit` events, newest first; `nextBefore` asks for the page after, null on the last. */
    async list(issuer: IssuerRow, query: { limit: number; before?: string; action?: string }) {
      // One more than asked tells whether another page follows.
      const rows = await listAuditEvents(db, issuer.id, { ...query, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      return {
        items: page.map((r) => ({ id: String(r.id), at: r.at.toISOString(), actor: r.actor, action: r.action, subject: r.subject, details: r.details })),
        nextBefore: rows.length > query.limit ? String(page.at(-1)!.id) : null,
      };
    },
  };
}
