import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';

export interface AuditEvent {
  issuerId: string | null;
  actor: string;
  action: string;
  subject?: string | null;
  details?: Record<string, unknown>;
}

/** Written in the caller's transaction, so an event exists exactly when its change does. */
export async function insertAuditEvents(db: Kysely<Database>, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('audit_events')
    .values(
      events.map((e) => ({
        issuer_id: e.issuerId,
        actor: e.actor,
        action: e.action,
        subject: e.subject ?? null,
        details: JSON.stringify(e.details ?? {}),
      })),
    )
    .execute();
}

/** The institution's events, newest first: older than event `before`, of one `action`, when given. */
export function listAuditEvents(db: Kysely<Database>, issuerId: string, filter: { before?: string; action?: string; limit: number }) {
  let query = db.selectFrom('audit_events').selectAll().where('issuer_id', '=', issuerId);
  if (filter.before) query = query.where('id', '<', filter.before);
  if (filter.action) query = query.where('action', '=', filter.action);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}
