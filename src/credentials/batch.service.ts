/**
 * Issuing a cohort at once: every row validated first, then the valid rows issued in chunks
 * (one insert statement per chunk), signed on all cores while the chunk before is being written.
 * A crash loses at most the chunk in flight; a retry with the same Idempotency-Key issues only the rest.
 */
import { randomUUID } from 'node:crypto';
import Ajv from 'ajv';
import type { CompiledQuery } from 'kysely';
import addFormatsModule from 'ajv-formats';
import { batchItemSchema } from '../../schemas/credentials.js';
import type { AchievementService } from '../achievements/achievement.service.js';
import type { KeyStore } from '../crypto/key-store.js';
import type { CredentialSigner } from '../crypto/signer.js';
import type { Db } from '../db/database.js';
import type { AchievementRow, IssuerRow } from '../db/types.js';
import { AppError, ErrorCode, describeValidation, isDatabaseUnavailable, type AjvIssue } from '../errors.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import { identityKey } from '../learners/learner.repository.js';
import { composeIssuedCredentialsInsert } from './credential.repository.js';
import type { StatusService, StatusSlot } from '../status/status.service.js';
import { textKeyword } from '../text.js';
import type { Urls } from '../urls.js';
import { buildCredential } from './credential.document.js';
import { withDataIntegrity, type CredentialInput, type CredentialService, type Securing } from './credential.service.js';

export type BatchItem = Omit<CredentialInput, 'achievementId'> & { idempotencyKey?: string };

export interface BatchRow {
  item: unknown;
  /** CSV line number, for the person fixing the file. */
  line?: number;
}

export type BatchResult =
  | { index: number; line?: number; id: string; url: string; replayed?: boolean }
  | { index: number; line?: number; error: { field: string; detail: string } };

/** Rows per transaction: large enough for one fast insert, small enough that a crash loses little. */
const CHUNK = 500;

const addFormats = addFormatsModule.default;
// A row is validated as the single-credential route validates its body: no coercion (CSV cells are
// typed per column when the file is read, batch.csv.ts), the text rule, the same formats.
const ajv = new Ajv.default({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
addFormats(ajv);
ajv.addKeyword(textKeyword);
const validateItem = ajv.compile(batchItemSchema);

export type BatchService = ReturnType<typeof createBatchService>;

export function createBatchService(deps: {
  db: Db;
  urls: Urls;
  keys: KeyStore;
  issuers: IssuerService;
  achievements: AchievementService;
  status: StatusService;
  credentials: CredentialService;
  signer: CredentialSigner;
}) {
  const { db, urls, keys, issuers, achievements, status, credentials, signer } = deps;

  /** Validates one row as the single-credential route would; returns the error or the dates. */
  function check(achievement: AchievementRow, raw: unknown, securing: Securing | undefined): { item: BatchItem; dates: { validFrom: string; validUntil?: string } } | { error: { field: string; detail: string } } {
    const item = structuredClone(raw);
    if (!validateItem(item)) {
      const problem = describeValidation((validateItem.errors ?? []) as AjvIssue[], undefined);
      return { error: { field: problem.field ?? 'row', detail: problem.detail } };
    }
    try {
      const typed = item as BatchItem;
      if (!typed.securing && securing) typed.securing = securing;
      credentials.checkRules(achievement.kind, { ...typed, achievementId: achievement.id });
      return { item: typed, dates: credentials.checkDates({ ...typed, achievementId: achievement.id }) };
    } catch (error) {
      if (error instanceof AppError) return { error: { field: error.field ?? 'row', detail: error.detail } };
      throw error;
    }
  }

  async function existingKeys(issuerId: string, keysWanted: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < keysWanted.length; i += 1000) {
      const rows = await db.selectFrom('credentials').select(['id', 'idempotency_key']).where('issuer_id', '=', issuerId).where('idempotency_key', 'in', keysWanted.slice(i, i + 1000)).execute();
      for (const r of rows) found.set(r.idempotency_key!, r.id);
    }
    return found;
  }

  type Pending = { index: number; item: BatchItem; dates: { validFrom: string; validUntil?: string }; key?: string };
  type Signed = { id: string; slot: StatusSlot; signed: Record<string, unknown>; jwt: string };

  /** Builds the chunk's credentials at the status indexes given and signs them on the workers. */
  async function signChunk(issuer: IssuerRow, achievement: AchievementRow, chunk: Pending[], slots: StatusSlot[]): Promise<Signed[]> {
    const signingKeys = await keys.activeKeys(issuer.id, urls.issuerDid(issuer.slug));
    const profile = issuers.profileOf(issuer);
    const achievementJson = achievements.achievementOf(achievement, issuer);
    const drafts = chunk.map((c, i) => {
      const id = randomUUID();
      const slot = slots[i]!;
      return {
        id,
        slot,
        unsigned: buildCredential({
          id,
          url: urls.credential(id),
          issuerProfile: profile,
          achievement: achievementJson,
          recipient: c.item.recipient,
          ...c.dates,
          evidence: c.item.evidence,
          subject: c.item,
          status: { listUrl: urls.statusList(slot.listId), index: slot.index },
        }),
      };
    });
    // RS256 and the JWT alone apply per row; rows are grouped by the keys they need.
    const signed = new Array<Signed>(chunk.length);
    const groups = (['EdDSA', 'RS256'] as const).flatMap((alg) => [true, false].map((dataIntegrity) => ({ alg, dataIntegrity })));
    await Promise.all(
      groups.map(async ({ alg, dataIntegrity }) => {
        const positions = chunk.map((c, i) => ((c.item.jwtAlgorithm ?? 'EdDSA') === alg && withDataIntegrity(c.item.securing) === dataIntegrity ? i : -1)).filter((i) => i >= 0);
        if (positions.length === 0) return;
        const pairs = await signer.sign(positions.map((i) => drafts[i]!.unsigned), dataIntegrity ? signingKeys.ed25519 : null, alg === 'RS256' ? signingKeys.rs256 : signingKeys.ed25519);
        positions.forEach((position, k) => {
          const { id, slot } = drafts[position]!;
          signed[position] = { id, slot, ...pairs[k]! };
        });
      }),
    );
    return signed;
  }

  /**
   * The statement that writes a signed chunk (its learners, credentials and audit events, all or
   * none: one statement needs no transaction).
   */
  function composeChunk(issuer: IssuerRow, achievement: AchievementRow, chunk: Pending[], signed: Signed[], actor: string): CompiledQuery {
    return composeIssuedCredentialsInsert(
      db,
      chunk.map((c, i) => ({
        id: signed[i]!.id,
        issuerId: issuer.id,
        achievementId: achievement.id,
        recipient: c.item.recipient,
        document: signed[i]!.signed,
        jwt: signed[i]!.jwt,
        status: signed[i]!.slot,
        idempotencyKey: c.key ?? null,
        requestHash: null,
        validFrom: c.dates.validFrom,
        validUntil: c.dates.validUntil ?? null,
        actor,
        auditDetails: { batch: true },
      })),
    );
  }

  /**
   * Issues the pending rows chunk by chunk, as a pipeline: while the database writes one chunk,
   * the next is signed on the workers and its statement put together here. The cohort's status
   * indexes are handed out first, in one statement (a counter moved), so that nothing but the
   * writes waits for the database; the indexes of rows a crash keeps from being written are
   * simply never used.
   */
  async function issueChunks(issuer: IssuerRow, achievement: AchievementRow, pending: Pending[], actor: string, onWritten: (chunk: Pending[], signed: Signed[]) => void) {
    if (pending.length === 0) return;
    const slots = await status.allocate(db, issuer.id, pending.length);
    const chunks: Pending[][] = [];
    for (let i = 0; i < pending.length; i += CHUNK) chunks.push(pending.slice(i, i + CHUNK));
    const ready = async (k: number) => {
      const signed = await signChunk(issuer, achievement, chunks[k]!, slots.slice(k * CHUNK, (k + 1) * CHUNK));
      return { signed, statement: composeChunk(issuer, achievement, chunks[k]!, signed, actor) };
    };
    let next = ready(0);
    for (let k = 0; k < chunks.length; k++) {
      const { signed, statement } = await next;
      const writing = db.executeQuery(statement);
      // Should the write fail, it is answered below; should the next chunk's signing fail while
      // this one is written, it is answered on the next turn or, after a failed write, never.
      writing.catch(() => {});
      if (k + 1 < chunks.length) (next = ready(k + 1)).catch(() => {});
      await writing;
      onWritten(chunks[k]!, signed);
    }
  }

  return {
    /** `batchKey`: the request's Idempotency-Key; `securing`: for rows that do not say. */
    async issue(issuer: IssuerRow, achievementId: string, rows: BatchRow[], actor: string, options: { batchKey?: string | undefined; securing?: Securing | undefined } = {}) {
      const { batchKey, securing } = options;
      const achievement = await achievements.findForIssuer(issuer.id, achievementId);
      const results = new Array<BatchResult>(rows.length);
      const seen = new Map<string, number>();
      const valid: { index: number; item: BatchItem; dates: { validFrom: string; validUntil?: string }; key?: string }[] = [];
      rows.forEach((row, index) => {
        const at = row.line !== undefined ? { index, line: row.line } : { index };
        const checked = check(achievement, row.item, securing);
        if ('error' in checked) {
          results[index] = { ...at, error: checked.error };
          return;
        }
        const identity = identityKey(checked.item.recipient);
        const first = seen.get(identity);
        if (first !== undefined) {
          results[index] = { ...at, error: { field: 'recipient', detail: `the same learner as row ${first} of this batch` } };
          return;
        }
        seen.set(identity, index);
        const key = checked.item.idempotencyKey ?? (batchKey ? `${batchKey}:${index}` : undefined);
        valid.push({ index, item: checked.item, dates: checked.dates, ...(key ? { key } : {}) });
      });

      // Rows an earlier attempt already issued are answered, not issued again.
      const done = await existingKeys(issuer.id, valid.flatMap((v) => (v.key ? [v.key] : [])));
      const pending = valid.filter((v) => {
        const id = v.key ? done.get(v.key) : undefined;
        if (id) results[v.index] = { index: v.index, ...(rows[v.index]!.line !== undefined ? { line: rows[v.index]!.line } : {}), id, url: urls.credential(id), replayed: true };
        return !id;
      });

      let written = 0;
      // The answer's counts, from the rows answered so far (all of them once the cohort is done).
      const outcome = () => {
        const answered = results.filter((r) => r !== undefined);
        return {
          achievementId: achievement.id,
          total: rows.length,
          issued: written,
          replayed: answered.filter((r) => 'replayed' in r).length,
          failed: answered.filter((r) => 'error' in r).length,
          results: answered,
        };
      };
      try {
        await issueChunks(issuer, achievement, pending, actor, (chunk, signed) => {
          written += chunk.length;
          chunk.forEach((c, k) => {
            const line = rows[c.index]!.line;
            const { id } = signed[k]!;
            results[c.index] = { index: c.index, ...(line !== undefined ? { line } : {}), id, url: urls.credential(id) };
          });
        });
      } catch (error) {
        // Whole chunks were written before the failure: say which, so that nobody issues them twice.
        // `results` holds every row answered (issued now, issued before, invalid); the rest were not issued.
        if (written === 0) throw error;
        const retry = batchKey
          ? 'send the same request again with the same Idempotency-Key to issue the rest'
          : 'send again only the rows not in `results`';
        throw new AppError(
          isDatabaseUnavailable(error) ? 503 : 500,
          ErrorCode.batchIncomplete,
          `${written} of ${pending.length} rows were issued before the cohort failed; ${retry}`,
          undefined,
          { ...outcome(), notIssued: pending.length - written },
          { cause: error },
        );
      }
      return outcome();
    },
  };
}
