/** The OB 3.0 validators are compiled ahead of time: the committed code must be what the schemas give. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_VALIDATORS, validatorSource } from '../../schemas/vendor/1edtech/build-validators.js';
import { checkOpenBadgeSchema } from '../../src/verify/schema-check.js';

describe('the generated OB 3.0 validators', () => {
  it('are exactly what the bundled official schemas compile to (run `npm run schemas` after changing them)', () => {
    expect(readFileSync(GENERATED_VALIDATORS, 'utf8') === validatorSource()).toBe(true);
  });

  it('tell a credential missing what the schema requires, and ignore what is not an Open Badge', () => {
    const result = checkOpenBadgeSchema({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential', 'OpenBadgeCredential'] });
    expect(result.ok).toBe(false);
    expect(result.errors?.some((e) => e.includes('required property'))).toBe(true);
    expect(checkOpenBadgeSchema({ type: ['VerifiableCredential'] }).ok).toBeNull();
  });
});
