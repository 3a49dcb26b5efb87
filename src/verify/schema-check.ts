/**
 * The verifier's `schema` check: the official 1EdTech OB 3.0 JSON Schemas (draft 2019-09), bundled
 * in schemas/vendor/1edtech and never fetched.
 */
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type { CheckOf } from './verdict.js';

/**
 * Compiled ahead of time (schemas/vendor/1edtech/build-validators.ts): compiling here would hold the
 * event loop ~340 ms on the first verification; loading the generated code takes ~30 ms, on the
 * first verification rather than at start (issue 24).
 */
type Validators = { achievement: ValidateFunction; endorsement: ValidateFunction };
let validators: Validators | undefined;
const loadValidators = (): Validators => (validators ??= createRequire(import.meta.url)('../../schemas/generated/ob-validators.cjs'));

export interface SchemaResult {
  /** true valid, false invalid, null when no official schema applies. */
  ok: boolean | null;
  detail: string;
  errors?: string[];
}

/** Which official schema applies follows from the credential's types. */
export function checkOpenBadgeSchema(credential: Record<string, unknown>): SchemaResult {
  const types = ([] as unknown[]).concat(credential.type ?? []);
  const validate =
    types.includes('OpenBadgeCredential') || types.includes('AchievementCredential')
      ? loadValidators().achievement
      : types.includes('EndorsementCredential')
        ? loadValidators().endorsement
        : undefined;
  if (!validate) return { ok: null, detail: 'Not an Open Badge; no official schema applies' };
  if (validate(credential)) return { ok: true, detail: 'Matches the official Open Badges 3.0 schema' };
  const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message}`);
  return { ok: false, detail: `Does not match the Open Badges 3.0 schema: ${errors[0]}`, errors };
}

/** The verdict's entry for a schema result. */
export function schemaCheck(result: SchemaResult): CheckOf<'schema'> {
  return { check: 'schema', ok: result.ok, code: result.ok === false ? 'schema-invalid' : result.ok ? 'schema-valid' : 'schema-none', detail: result.detail };
}
