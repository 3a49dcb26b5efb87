/**
 * The verifier's `schema` check: the official 1EdTech OB 3.0 JSON Schemas (draft 2019-09), bundled
 * in schemas/vendor/1edtech and never fetched.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019Module from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

// ajv ships CommonJS; under ESM the constructor sits on `default`.
const Ajv2019 = Ajv2019Module.default;
const addFormats = addFormatsModule.default;

const vendorDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas/vendor/1edtech');

function load(name: string): ValidateFunction {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(vendorDir, `ob_v3p0_${name}_schema.json`), 'utf8')));
}

let validators: { achievement: ValidateFunction; endorsement: ValidateFunction } | undefined;

export interface SchemaResult {
  /** true valid, false invalid, null when no official schema applies. */
  ok: boolean | null;
  detail: string;
  errors?: string[];
}

/** Which official schema applies follows from the credential's types. */
export function checkOpenBadgeSchema(credential: Record<string, unknown>): SchemaResult {
  validators ??= { achievement: load('achievementcredential'), endorsement: load('endorsementcredential') };
  const types = ([] as unknown[]).concat(credential.type ?? []);
  const validate = types.includes('OpenBadgeCredential') || types.includes('AchievementCredential')
    ? validators.achievement
    : types.includes('EndorsementCredential')
      ? validators.endorsement
      : undefined;
  if (!validate) return { ok: null, detail: 'Not an Open Badge; no official schema applies' };
  if (validate(credential)) return { ok: true, detail: 'Matches the official Open Badges 3.0 schema' };
  const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message}`);
  return { ok: false, detail: `Does not match the Open Badges 3.0 schema: ${errors[0]}`, errors };
}
