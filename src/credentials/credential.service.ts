/**
 * Issuing, reading and changing the status of credentials.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AchievementService } from '../achievements/achievement.service.js';
import { insertAuditEvents } from '../audit/audit.repository.js';
import type { KeyStore } from '../crypto/key-store.js';
import type { CredentialSigner, SignedPair } from '../crypto/signer.js';
import type { Db } from '../db/database.js';
import type { AchievementRow, CredentialRow, Database, IssuerRow } from '../db/types.js';
import { checkDateWindow } from '../dates.js';
import { AppError, ErrorCode, badRequest, conflict, notFound } from '../errors.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import type { StatusChanges } from '../status/status-changes.js';
import type { StatusService, StatusSlot } from '../status/status.service.js';
import { normaliseId } from '../text.js';
import type { Urls } from '../urls.js';
import { normaliseEmail, type LearnerIdentity } from '../learners/learner.repository.js';
import { createCredentialWriter, insertIssuedCredentials, jwtOf, type NewCredential } from './credential.repository.js';
import {
  buildCredential,
  xsdDateTime,
  type EvidenceInput,
  type SubjectDetails,
} from './credential.document.js';

export interface CredentialInput extends SubjectDetails {
  achievementId: string;
  recipient: LearnerIdentity;
  validFrom?: string;
  validUntil?: string;
  evidence?: EvidenceInput[];
  jwtAlgorithm?: 'EdDSA' | 'RS256';
  securing?: Securing;
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

/** A stable digest of the request, so a reused Idempotency-Key with another body is caught. */
function requestHash(input: unknown): string {
  const canonical = JSON.stringify(input, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

const ACTIVE: StatusInfo = { state: 'active', revokedAt: null, revocationReason: null, suspendedAt: null, suspensionReason: null };

export type CredentialService = ReturnType<typeof createCredentialService>;

export function createCredentialService(deps: {
  db: Db;
  urls: Urls;
  keys: KeyStore;
  issuers: IssuerService;
  achievements: AchievementService;
  status: StatusService;
  signer: CredentialSigner;
  statusChanges: StatusChanges;
}) {
  const { db, urls, keys, issuers, achievements, status, signer, statusChanges } = deps;
  const writer = createCredentialWriter(db);

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
    const row = await db.selectFrom('credentials').selectAll().where('issuer_id', '=', issuerId).where('idempotency_key', '=', key).executeTakeFirst();
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new AppError(422, ErrorCode.idempotencyMismatch, 'This Idempotency-Key was used with a different request body', 'idempotency-key');
    }
    return toIssued(row);
  }

  /** Runs a status change and tells this instance's caches once it is committed. */
  async function changeStatus(id: string, change: () => Promise<StatusInfo>): Promise<StatusInfo> {
    const result = await change();
    statusChanges.publish(id);
    return result;
  }

  /** Rules that JSON Schema cannot say (or not in words a caller understands). */
  function checkRules(kind: AchievementRow['kind'], input: CredentialInput): void {
    if (input.securing && !input.securing.includes('jwt')) throw badRequest("securing must include 'jwt': every credential gets a JWT (Data Integrity alone is not offered)", 'securing');
    if (input.studyGroup && kind !== 'study_group') throw badRequest('studyGroup applies only to study_group achievements', 'studyGroup');
    const group = input.studyGroup;
    if (group?.sessionsAttended !== undefined && group.sessionsTotal !== undefined && group.sessionsAttended > group.sessionsTotal) {
      throw badRequest('sessionsAttended cannot be more than sessionsTotal', 'studyGroup.sessionsAttended');
    }
  }

  /**
   * Builds, signs (both forms) and stores one credential at the status index given. `executor` is
   * the caller's transaction when there is one (PGlite has a single connection); otherwise the store
   * is one statement and nothing is held open while the workers sign.
   */
  async function signAndStore(
    executor: Kysely<Database> | undefined,
    issuer: IssuerRow,
    achievementRow: AchievementRow,
    input: CredentialInput,
    dates: { validFrom: string; validUntil?: string },
    slot: StatusSlot,
    actor: string,
    request: { idempotencyKey?: string | undefined; hash: string | null },
  ): Promise<IssuedCredential> {
    const signingKeys = await keys.activeKeys(issuer.id, urls.issuerDid(issuer.slug), executor ?? db);
    const id = randomUUID();
    const unsigned = buildCredential({
      id,
      url: urls.credential(id),
      issuerProfile: issuers.profileOf(issuer),
      achievement: achievements.achievementOf(achievementRow, issuer),
      recipient: input.recipient,
      ...dates,
      evidence: input.evidence,
      subject: input,
      status: { listUrl: urls.statusList(slot.listId), index: slot.index },
    });
    const jwtKey = input.jwtAlgorithm === 'RS256' ? signingKeys.rs256 : signingKeys.ed25519;
    const [{ signed, jwt }] = (await signer.sign([unsigned], withDataIntegrity(input.securing) ? signingKeys.ed25519 : null, jwtKey)) as [SignedPair];
    const record: NewCredential = {
      id,
      issuerId: issuer.id,
      achievementId: achievementRow.id,
      recipient: input.recipient,
      document: signed,
      jwt,
      status: slot,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash: request.hash,
      validFrom: dates.validFrom,
      validUntil: dates.validUntil ?? null,
      actor,
    };
    if (executor) await insertIssuedCredentials(executor, [record]);
    else await writer.write(record);
    return { id, url: urls.credential(id), credential: signed, jwt, status: ACTIVE };
  }

  async function findOwned(issuerId: string, id: string, executor: Kysely<Database> = db): Promise<CredentialRow> {
    const row = await executor.selectFrom('credentials').selectAll().where('id', '=', id).where('issuer_id', '=', issuerId).executeTakeFirst();
    if (!row) throw notFound(`Credential ${id}`);
    return row;
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
      const slot = await status.take(issuer.id);
      try {
        return { issued: await signAndStore(undefined, issuer, achievementRow, input, dates, slot, actor, { idempotencyKey, hash: idempotency?.hash ?? null }), replayed: false };
      } catch (error) {
        // The same Idempotency-Key sent twice at once: the unique index lets one through.
        if (idempotency && isUniqueViolation(error)) {
          const earlier = await findByIdempotencyKey(issuer.id, idempotency.key, idempotency.hash);
          if (earlier) return { issued: earlier, replayed: true };
        }
        throw error;
      }
    },

    /** For other services (the hours ledger): issue inside their transaction. */
    async issueInTransaction(trx: Kysely<Database>, issuer: IssuerRow, achievementRow: AchievementRow, input: CredentialInput, actor: string): Promise<IssuedCredential> {
      const dates = checkDates(input);
      // In their transaction, so that the award and its index stand or fall together; the open list
      // stays locked until it commits, which an award (once per learner and year) can afford.
      const [slot] = await status.allocate(trx, issuer.id, 1);
      return signAndStore(trx, issuer, achievementRow, input, dates, slot!, actor, { hash: null });
    },

    async get(issuer: IssuerRow, id: string): Promise<IssuedCredential> {
      return toIssued(await findOwned(issuer.id, id));
    },

    async list(issuer: IssuerRow, query: { achievementId?: string; learner?: string; limit: number; cursor?: string }) {
      let q = db
        .selectFrom('credentials')
        .innerJoin('learners', 'learners.id', 'credentials.learner_id')
        .select([
          'credentials.id',
          'credentials.achievement_id',
          'credentials.created_at',
          'credentials.revoked_at',
          'credentials.revocation_reason',
          'credentials.suspended_at',
          'credentials.suspension_reason',
          'learners.id as learner_id',
          'learners.name as learner_name',
          'learners.email as learner_email',
        ])
        .where('credentials.issuer_id', '=', issuer.id);
      if (query.achievementId) q = q.where('credentials.achievement_id', '=', query.achievementId);
      if (query.learner) {
        // As the learner's id was stored: NFC and trimmed (src/text.ts).
        const learner = normaliseId(query.learner);
        q = learner.includes('@')
          ? q.where('learners.email', '=', normaliseEmail(learner))
          : learner.startsWith('did:')
            ? q.where('learners.did', '=', learner)
            : /^[0-9a-f-]{36}$/i.test(learner)
              ? q.where('learners.id', '=', learner)
              : q.where('learners.external_id', '=', learner);
      }
      if (query.cursor) {
        const [at, id] = Buffer.from(query.cursor, 'base64url').toString('utf8').split('|');
        if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id)) throw badRequest('cursor is not one this service gave', 'cursor');
        q = q.where((eb) =>
          eb.or([eb('credentials.created_at', '<', new Date(at)), eb.and([eb('credentials.created_at', '=', new Date(at)), eb('credentials.id', '<', id)])]),
        );
      }
      const rows = await q.orderBy('credentials.created_at', 'desc').orderBy('credentials.id', 'desc').limit(query.limit + 1).execute();
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
        })),
        nextCursor: rows.length > query.limit && last ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url') : null,
      };
    },

    /** Revocation is final and published in the status list at once. */
    async revoke(issuer: IssuerRow, id: string, reason: string | undefined, actor: string): Promise<StatusInfo> {
      return changeStatus(id, () => db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('credentials')
          .set({ revoked_at: new Date(), revocation_reason: reason ?? null })
          .where('id', '=', id)
          .where('issuer_id', '=', issuer.id)
          .where('revoked_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (!row) {
          await findOwned(issuer.id, id, trx);
          throw conflict('The credential is already revoked; revocation is final');
        }
        await status.touch(trx, row.status_list_id);
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'credential.revoked', subject: id, details: { reason: reason ?? null } }]);
        return statusOf(row);
      }));
    },

    async suspend(issuer: IssuerRow, id: string, reason: string | undefined, actor: string): Promise<StatusInfo> {
      return changeStatus(id, () => db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('credentials')
          .set({ suspended_at: new Date(), suspension_reason: reason ?? null })
          .where('id', '=', id)
          .where('issuer_id', '=', issuer.id)
          .where('revoked_at', 'is', null)
          .where('suspended_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (!row) {
          const existing = await findOwned(issuer.id, id, trx);
          throw conflict(existing.revoked_at ? 'The credential is revoked' : 'The credential is already suspended');
        }
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'credential.suspended', subject: id, details: { reason: reason ?? null } }]);
        return statusOf(row);
      }));
    },

    async unsuspend(issuer: IssuerRow, id: string, reason: string | undefined, actor: string): Promise<StatusInfo> {
      return changeStatus(id, () => db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('credentials')
          .set({ suspended_at: null, suspension_reason: null })
          .where('id', '=', id)
          .where('issuer_id', '=', issuer.id)
          .where('revoked_at', 'is', null)
          .where('suspended_at', 'is not', null)
          .returningAll()
          .executeTakeFirst();
        if (!row) {
          await findOwned(issuer.id, id, trx);
          throw conflict('The credential is not suspended');
        }
        await insertAuditEvents(trx, [{ issuerId: issuer.id, actor, action: 'credential.unsuspended', subject: id, details: { reason: reason ?? null } }]);
        return statusOf(row);
      }));
    },
  };
}
