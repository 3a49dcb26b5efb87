/**
 * Issuing, reading and changing the status of credentials.
 */
import { createHash } from 'node:crypto';
import type { AchievementService } from '../achievements/achievement.service.js';
import { insertAuditEvents } from '../audit/audit.repository.js';
import type { Db } from '../db/database.js';
import type { AchievementRow, CredentialRow, DeliveryState, IssuerRow } from '../db/types.js';
import { checkDateWindow } from '../dates.js';
import { AppError, ErrorCode, badRequest, conflict, notFound } from '../errors.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import type { StatusChanges } from '../status/status-changes.js';
import type { Issuance, IssuePlan, Outbox } from '../issuance/issuance.service.js';
import type { StatusService } from '../status/status.service.js';
import { normaliseId } from '../text.js';
import type { Urls } from '../urls.js';
import { isUuid } from '../ids.js';
import { normaliseEmail, type LearnerIdentity } from '../learners/learner.repository.js';
import {
  changeCredentialStatus,
  findCredentialByIdempotencyKey,
  findDelivery,
  findOwnedCredential,
  jwtOf,
  learnerHasEmail,
  listCredentials,
  requestDelivery,
  type DeliveryRow,
  type LearnerFilter,
  type StatusChange,
} from './credential.repository.js';
import { buildCredential, xsdDateTime, type EvidenceInput, type SubjectDetails } from './credential.document.js';

export interface CredentialInput extends SubjectDetails {
  achievementId: string;
  recipient: LearnerIdentity;
  validFrom?: string;
  validUntil?: string;
  evidence?: EvidenceInput[];
  jwtAlgorithm?: 'EdDSA' | 'RS256';
  securing?: Securing;
  /** false: not e-mailed to the learner. */
  deliver?: boolean;
}

/** How a credential is secured (schemas/credentials.ts); absent means both. */
export type Securing = ('data-integrity' | 'jwt')[];

/** Whether the credential gets a Data Integrity proof besides its JWT. */
export const withDataIntegrity = (securing: Securing | undefined) => !securing || securing.includes('data-integrity');

export interface IssuedCredential {
  id: string;
  url: string;
  credential: Record<string, unknown>;
  jwt: string;
  status: StatusInfo;
}

export interface StatusInfo {
  state: 'active' | 'revoked' | 'suspended';
  revokedAt: string | null;
  revocationReason: string | null;
  suspendedAt: string | null;
  suspensionReason: string | null;
}

export function statusOf(row: Pick<CredentialRow, 'revoked_at' | 'revocation_reason' | 'suspended_at' | 'suspension_reason'>): StatusInfo {
  return {
    state: row.revoked_at ? 'revoked' : row.suspended_at ? 'suspended' : 'active',
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
    revocationReason: row.revocation_reason,
    suspendedAt: row.suspended_at ? row.suspended_at.toISOString() : null,
    suspensionReason: row.suspension_reason,
  };
}

/** What became of the credential's e-mail to its learner (schemas/credentials.ts deliveryInfo). */
export interface DeliveryInfo {
  state: DeliveryState | 'no-address';
  attempts: number;
  lastError?: string;
  sentAt?: string;
}

/** No outbox row was written for a learner without an e-mail: that is 'no-address'. */
export function deliveryOf(row: DeliveryRow | undefined): DeliveryInfo {
  if (!row) return { state: 'no-address', attempts: 0 };
  return {
    state: row.state,
    attempts: row.attempts,
    ...(row.last_error ? { lastError: row.last_error } : {}),
    ...(row.sent_at ? { sentAt: row.sent_at.toISOString() } : {}),
  };
}

/** A stable digest of the request, so a reused Idempotency-Key with another body is caught. */
function requestHash(input: unknown): string {
  const canonical = JSON.stringify(input, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

const ACTIVE: StatusInfo = { state: 'active', revokedAt: null, revocationReason: null, suspendedAt: null, suspensionReason: null };

export type CredentialService = ReturnType<typeof createCredentialService>;

export function createCredentialService(deps: {
  db: Db;
  urls: Urls;
  issuers: IssuerService;
  achievements: AchievementService;
  status: StatusService;
  issuance: Issuance;
  statusChanges: StatusChanges;
  outbox: Outbox;
}) {
  const { db, urls, issuers, achievements, status, issuance, statusChanges, outbox } = deps;

  function toIssued(row: CredentialRow): IssuedCredential {
    return { id: row.id, url: urls.credential(row.id), credential: row.document as Record<string, unknown>, jwt: jwtOf(row), status: statusOf(row) };
  }

  /** The dates of a credential: each within its window (src/dates.ts), and in order. */
  function checkDates(input: CredentialInput): { validFrom: string; validUntil?: string } {
    const now = new Date();
    if (input.validFrom) checkDateWindow('validFrom', input.validFrom, 'validFrom', now);
    if (input.validUntil) checkDateWindow('validUntil', input.validUntil, 'validUntil', now);
    if (input.activityStartDate) checkDateWindow('activity', input.activityStartDate, 'activityStartDate', now);
    if (input.activityEndDate) checkDateWindow('activity', input.activityEndDate, 'activityEndDate', now);
    const validFrom = input.validFrom ? xsdDateTime(new Date(input.validFrom)) : xsdDateTime(new Date());
    let validUntil: string | undefined;
    if (input.validUntil) {
      validUntil = xsdDateTime(new Date(input.validUntil));
      if (Date.parse(validUntil) <= Date.parse(validFrom)) throw badRequest('validUntil must be after validFrom', 'validUntil');
    }
    if (input.activityStartDate && input.activityEndDate && Date.parse(input.activityEndDate) < Date.parse(input.activityStartDate)) {
      throw badRequest('activityEndDate must not be before activityStartDate', 'activityEndDate');
    }
    return validUntil ? { validFrom, validUntil } : { validFrom };
  }

  async function findByIdempotencyKey(issuerId: string, key: string, hash: string): Promise<IssuedCredential | undefined> {
    const row = await findCredentialByIdempotencyKey(db, issuerId, key);
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new AppError(422, ErrorCode.idempotencyMismatch, 'This Idempotency-Key was used with a different request body', 'idempotency-key');
    }
    return toIssued(row);
  }

  /** Rules that JSON Schema cannot say (or not in words a caller understands). */
  function checkRules(kind: AchievementRow['kind'], input: CredentialInput): void {
    if (input.securing && !input.securing.includes('jwt'))
      throw badRequest("securing must include 'jwt': every credential gets a JWT (Data Integrity alone is not offered)", 'securing');
    if (input.studyGroup && kind !== 'study_group') throw badRequest('studyGroup applies only to study_group achievements', 'studyGroup');
    const group = input.studyGroup;
    if (group?.sessionsAttended !== undefined && group.sessionsTotal !== undefined && group.sessionsAttended > group.sessionsTotal) {
      throw badRequest('sessionsAttended cannot be more than sessionsTotal', 'studyGroup.sessionsAttended');
    }
  }

  /**
   * What the issuance core needs to issue an OpenBadgeCredential for `input`: its document (built
   * from the issuer's profile and the achievement as they stand now), how it is secured and how its
   * row is kept. Single issues, cohorts and hours awards all issue through this.
   */
  function plan(
    issuer: IssuerRow,
    achievementRow: AchievementRow,
    input: Omit<CredentialInput, 'achievementId'>,
    dates: { validFrom: string; validUntil?: string },
    row: {
      actor: string;
      idempotencyKey?: string | undefined;
      requestHash?: string | null;
      auditDetails?: Record<string, unknown>;
      /** false: not e-mailed to the learner. */
      deliver?: boolean | undefined;
    },
  ): IssuePlan {
    const issuerProfile = issuers.profileOf(issuer);
    const achievement = achievements.achievementOf(achievementRow, issuer);
    return {
      build: ({ id, url, status: entry }) =>
        buildCredential({ id, url, issuerProfile, achievement, recipient: input.recipient, ...dates, evidence: input.evidence, subject: input, status: entry }),
      securing: { dataIntegrity: withDataIntegrity(input.securing), jwtAlgorithm: input.jwtAlgorithm ?? 'EdDSA' },
      ...(row.deliver === false ? { deliver: false } : {}),
      row: {
        achievementId: achievementRow.id,
        learner: { identity: input.recipient },
        idempotencyKey: row.idempotencyKey ?? null,
        requestHash: row.requestHash ?? null,
        callerId: null,
        validFrom: dates.validFrom,
        validUntil: dates.validUntil ?? null,
        actor: row.actor,
        ...(row.auditDetails ? { auditDetails: row.auditDetails } : {}),
      },
    };
  }

  async function findOwned(issuerId: string, id: string, executor: Db = db): Promise<CredentialRow> {
    const row = await findOwnedCredential(executor, issuerId, id);
    if (!row) throw notFound(`Credential ${id}`);
    return row;
  }

  /**
   * A status change, with its audit event, and the list touched for a revocation (published at
   * once); this instance's caches hear of it once it is committed.
   */
  async function changeStatus(issuer: IssuerRow, id: string, change: StatusChange, reason: string | undefined, actor: string): Promise<StatusInfo> {
    const result = await db.transaction().execute(async (trx) => {
      const row = await changeCredentialStatus(trx, issuer.id, id, change, reason ?? null);
      if (!row) {
        const existing = await findOwned(issuer.id, id, trx);
        throw conflict(
          change === 'revoke'
            ? 'The credential is already revoked; revocation is final'
            : change === 'suspend'
              ? existing.revoked_at
                ? 'The credential is revoked'
                : 'The credential is already suspended'
              : 'The credential is not suspended',
        );
      }
      if (change === 'revoke') await status.touch(trx, row.status_list_id);
      const action = change === 'revoke' ? 'credential.revoked' : change === 'suspend' ? 'credential.suspended' : 'credential.unsuspended';
      await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action, subject: id, details: { reason: reason ?? null } }]);
      return statusOf(row);
    });
    statusChanges.publish(id);
    return result;
  }

  return {
    checkRules,
    checkDates,
    /** Issues one credential; with an idempotency key, a repeat returns the first result. */
    async issue(issuer: IssuerRow, input: CredentialInput, actor: string, idempotencyKey?: string): Promise<{ issued: IssuedCredential; replayed: boolean }> {
      // The request is hashed only to tell a repeat under the same key from another request.
      const idempotency = idempotencyKey ? { key: idempotencyKey, hash: requestHash(input) } : undefined;
      if (idempotency) {
        const earlier = await findByIdempotencyKey(issuer.id, idempotency.key, idempotency.hash);
        if (earlier) return { issued: earlier, replayed: true };
      }
      const achievementRow = await achievements.findForIssuer(issuer.id, input.achievementId);
      checkRules(achievementRow.kind, input);
      const dates = checkDates(input);
      try {
        const issued = await issuance.issue(
          issuer,
          plan(issuer, achievementRow, input, dates, { actor, idempotencyKey, requestHash: idempotency?.hash ?? null, deliver: input.deliver }),
        );
        return { issued: { id: issued.id, url: issued.url, credential: issued.credential, jwt: issued.jwt, status: ACTIVE }, replayed: false };
      } catch (error) {
        // The same Idempotency-Key sent twice at once: the unique index lets one through.
        if (idempotency && isUniqueViolation(error)) {
          const earlier = await findByIdempotencyKey(issuer.id, idempotency.key, idempotency.hash);
          if (earlier) return { issued: earlier, replayed: true };
        }
        throw error;
      }
    },

    plan,

    async get(issuer: IssuerRow, id: string): Promise<IssuedCredential & { delivery: DeliveryInfo }> {
      const [row, delivery] = await Promise.all([findOwned(issuer.id, id), findDelivery(db, id)]);
      return { ...toIssued(row), delivery: deliveryOf(delivery) };
    },

    /**
     * Queues a new send of the credential to its learner (a first one, or again): 409 when she has
     * no e-mail, 503 when this service sends no mail. Her address is never in the answer or the error.
     */
    async deliver(issuer: IssuerRow, id: string, actor: string): Promise<DeliveryInfo> {
      await findOwned(issuer.id, id);
      if (!(await learnerHasEmail(db, id))) {
        throw new AppError(409, ErrorCode.noEmailAddress, 'The learner of this credential has no e-mail address: there is nowhere to send it');
      }
      if (!outbox.sending) {
        throw new AppError(503, ErrorCode.mailNotConfigured, 'This service sends no mail: its operator has not set SMTP_URL');
      }
      const delivery = await db.transaction().execute(async (trx) => {
        const row = await requestDelivery(trx, id);
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'credential.delivery-requested', subject: id, details: {} }]);
        return deliveryOf(row);
      });
      outbox.nudge();
      return delivery;
    },

    async list(issuer: IssuerRow, query: { achievementId?: string; learner?: string; limit: number; cursor?: string }) {
      let after: { at: Date; id: string } | undefined;
      if (query.cursor) {
        const [at, id] = Buffer.from(query.cursor, 'base64url').toString('utf8').split('|');
        if (!at || !id || Number.isNaN(Date.parse(at)) || !isUuid(id)) throw badRequest('cursor is not one this service gave', 'cursor');
        after = { at: new Date(at), id };
      }
      const rows = await listCredentials(db, issuer.id, {
        ...(query.achievementId ? { achievementId: query.achievementId } : {}),
        ...(query.learner ? { learner: learnerFilter(query.learner) } : {}),
        ...(after ? { after } : {}),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          url: urls.credential(r.id),
          achievementId: r.achievement_id,
          learner: { id: r.learner_id, name: r.learner_name, email: r.learner_email },
          issuedAt: r.created_at.toISOString(),
          status: statusOf(r),
          delivery: deliveryOf(
            r.delivery_state
              ? { state: r.delivery_state, attempts: r.delivery_attempts!, last_error: r.delivery_last_error, sent_at: r.delivery_sent_at }
              : undefined,
          ),
        })),
        nextCursor: rows.length > query.limit && last ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url') : null,
      };
    },

    /** Revocation is final and published in the status list at once. */
    revoke: (issuer: IssuerRow, id: string, reason: string | undefined, actor: string) => changeStatus(issuer, id, 'revoke', reason, actor),
    suspend: (issuer: IssuerRow, id: string, reason: string | undefined, actor: string) => changeStatus(issuer, id, 'suspend', reason, actor),
    unsuspend: (issuer: IssuerRow, id: string, reason: string | undefined, actor: string) => changeStatus(issuer, id, 'unsuspend', reason, actor),
  };
}

/** A learner named by e-mail, DID, our learner id or the institution's own id; as stored: NFC and trimmed (src/text.ts). */
function learnerFilter(value: string): LearnerFilter {
  const learner = normaliseId(value);
  if (learner.includes('@')) return { email: normaliseEmail(learner) };
  if (learner.startsWith('did:')) return { did: learner };
  if (isUuid(learner)) return { learnerId: learner };
  return { externalId: learner };
}
