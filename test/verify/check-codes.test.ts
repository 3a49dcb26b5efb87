/**
 * The verdict's check codes are listed once (src/verify/verdict.ts); the page texts and the OpenAPI
 * schema are built from that list, and must say exactly the same codes.
 */
import { describe, expect, it } from 'vitest';
import { verdictSchema } from '../../schemas/verify.js';
import { CHECK_TEXTS_KO } from '../../src/pages/i18n.js';
import { CHECK_CODES, CHECK_CODES_BY_CHECK, CHECK_IDS } from '../../src/verify/verdict.js';

const sorted = (codes: readonly string[]) => [...codes].sort();

describe('check codes', () => {
  it('are each named once, under one check', () => {
    expect(new Set(CHECK_CODES).size).toBe(CHECK_CODES.length);
    expect(CHECK_CODES.length).toBe(Object.values(CHECK_CODES_BY_CHECK).flat().length);
  });

  it('agree between the verdict type, the Korean page texts and the OpenAPI schema', () => {
    const check = verdictSchema.properties.checks.items.properties;
    expect(sorted(Object.keys(CHECK_TEXTS_KO))).toEqual(sorted(CHECK_CODES));
    expect(sorted(check.code.enum)).toEqual(sorted(CHECK_CODES));
    expect(sorted(check.check.enum)).toEqual(sorted(CHECK_IDS));
    for (const text of Object.values(CHECK_TEXTS_KO)) expect(text).toMatch(/[가-힣]/);
  });
});
