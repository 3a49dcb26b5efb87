/**
 * Issuing a cohort at once: every row validated first, then the valid rows issued through the
 * issuance core in chunks (one insert statement per chunk), signed on all cores while the chunk
 * before is being written. A crash loses at most the chunk in flight; a retry with the same
 * Idempotency-Key issues only the rest.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { batchItemSchema } from '../../schemas/credentials.js';
import type { AchievementService } from '../achievements/achievement.service.js';
import type { Db } from '../db/database.js';
import type { AchievementRow, IssuerRow } from '../db/types.js';
import { AppError, ErrorCode, describeValidation, isDatabaseUnavailable, type AjvIssue } from '../errors.js';
import type { Issuance } from '../issuance/issuance.service.js';
import { InvalidInput } from '../invalid-input.js';
import { identityKey } from '../learners/learner.repository.js';
import { csvColumnOf } from './batch.csv.js';
import { findIdempotencyKeys } from './credential.repository.js';
import { textKeyword } from '../text.js';
import type { Urls } from '../urls.js';
import type { CredentialInput, CredentialService, Securing } from './credential.service.js';

export type BatchItem = Omit<CredentialInput, 'achievementId'> & { idempotencyKey?: string };

export interface BatchRow {
  item: unknown;
  /** CSV line number, for the person fixing the file. */
  line?: number;
  /** From a CSV: errors name its columns (batch.csv.ts), not the API fields they fill. */
  columns?: 'csv';
}

export type BatchResult =
  | { index: number; line?: number; id: string; url: string; replayed?: boolean }
  | { index: number; line?: number; error: { field: string; detail: string } };

const addFormats = addFormatsModule.default;
// A row is validated as the single-credential route validates its body: no coercion (CSV cells are
// typed per column when the file is read, batch.csv.ts), the text rule, the same formats.
// Compiled on the first batch, not when the service starts (issue 24).
let itemValidator: ValidateFunction | undefined;
function validateItem(item: unknown): boolean {
  if (!itemValidator) {
    const ajv = new Ajv.default({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
    addFormats(ajv);
    ajv.addKeyword(textKeyword);
    itemValidator = ajv.compile(batchItemSchema);
  }
  return itemValidator(item);
}

export type BatchService = ReturnType<typeof createBatchService>;

export function createBatchService(deps: { db: Db; urls: Urls; achievements: AchievementService; credentials: CredentialService; issuance: Issuance }) {
  const { db, urls, achievements, credentials, issuance } = deps;

  /** Validates one row as the single-credential route would; returns the error or the dates. */
  function check(
    achievement: AchievementRow,
    raw: unknown,
    securing: Securing | undefined,
    columnOf?: (field: string) => string,
  ): { item: BatchItem; dates: { validFrom: string; validUntil?: string } } | { error: { field: string; detail: string } } {
    const item = structuredClone(raw);
    if (!validateItem(item)) {
      const problem = describeValidation((itemValidator?.errors ?? []) as AjvIssue[], undefined, columnOf);
      return { error: { field: problem.field ?? 'row', detail: problem.detail } };
    }
    const named = (field: string | undefined) => (field && columnOf ? columnOf(field) : (field ?? 'row'));
    try {
      const typed = item as BatchItem;
      if (!typed.securing && securing) typed.securing = securing;
      credentials.checkRules(achievement.kind, { ...typed, achievementId: achievement.id });
      return { item: typed, dates: credentials.checkDates({ ...typed, achievementId: achievement.id }) };
    } catch (error) {
      if (error instanceof AppError) return { error: { field: named(error.field), detail: error.detail } };
      if (error instanceof InvalidInput) return { error: { field: named(error.field), detail: error.message } };
      throw error;
    }
  }

  /** The credentials an earlier attempt issued under these idempotency keys, by key. */
  async function existingKeys(issuerId: string, keysWanted: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < keysWanted.length; i += 1000) {
      for (const r of await findIdempotencyKeys(db, issuerId, keysWanted.slice(i, i + 1000))) found.set(r.idempotency_key!, r.id);
    }
    return found;
  }

  return {
    /** `batchKey`: the request's Idempotency-Key; `securing`: for rows that do not say; `deliver: false`: no row is e-mailed. */
    async issue(
      issuer: IssuerRow,
      achievementId: string,
      rows: BatchRow[],
      actor: string,
      options: { batchKey?: string | undefined; securing?: Securing | undefined; deliver?: boolean | undefined } = {},
    ) {
      const { batchKey, securing, deliver } = options;
      const achievement = await achievements.findForIssuer(issuer.id, achievementId);
      const results = new Array<BatchResult>(rows.length);
      const seen = new Map<string, number>();
      const valid: { index: number; item: BatchItem; dates: { validFrom: string; validUntil?: string }; key?: string }[] = [];
      rows.forEach((row, index) => {
        const at = row.line !== undefined ? { index, line: row.line } : { index };
        const checked = check(achievement, row.item, securing, row.columns === 'csv' ? csvColumnOf : undefined);
        if ('error' in checked) {
          results[index] = { ...at, error: checked.error };
          return;
        }
        const identity = identityKey(checked.item.recipient);
        const first = seen.get(identity);
        if (first !== undefined) {
          results[index] = {
            ...at,
            error: { field: row.columns === 'csv' ? csvColumnOf('recipient') : 'recipient', detail: `the same learner as row ${first} of this batch` },
          };
          return;
        }
        seen.set(identity, index);
        const key = checked.item.idempotencyKey ?? (batchKey ? `${batchKey}:${index}` : undefined);
        valid.push({ index, item: checked.item, dates: checked.dates, ...(key ? { key } : {}) });
      });

      // Rows an earlier attempt already issued are answered, not issued again.
      const done = await existingKeys(
        issuer.id,
        valid.flatMap((v) => (v.key ? [v.key] : [])),
      );
      const pending = valid.filter((v) => {
        const id = v.key ? done.get(v.key) : undefined;
        if (id)
          results[v.index] = {
            index: v.index,
            ...(rows[v.index]!.line !== undefined ? { line: rows[v.index]!.line } : {}),
            id,
            url: urls.credential(id),
            replayed: true,
          };
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
        const plans = pending.map((p) =>
          credentials.plan(issuer, achievement, p.item, p.dates, { actor, idempotencyKey: p.key, auditDetails: { batch: true }, deliver }),
        );
        await issuance.issueMany(issuer, plans, (first, stored) => {
          written += stored.length;
          stored.forEach(({ id, url }, k) => {
            const { index } = pending[first + k]!;
            const line = rows[index]!.line;
            results[index] = { index, ...(line !== undefined ? { line } : {}), id, url };
          });
        });
      } catch (error) {
        // Whole chunks were written before the failure: say which, so that nobody issues them twice.
        // `results` holds every row answered (issued now, issued before, invalid); the rest were not issued.
        if (written === 0) throw error;
        const retry = batchKey ? 'send the same request again with the same Idempotency-Key to issue the rest' : 'send again only the rows not in `results`';
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
