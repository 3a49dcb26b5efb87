/**
 * Text as it comes in: one rule for every route, applied while the request is validated by the
 * JSON Schema keyword `x-text` (schemas/common.ts gives the schema fragments; src/validation.ts and
 * the cohort validator register the keyword). A string the rule refuses is a 400 naming its field;
 * a string it accepts is replaced by its normal form before any handler sees it.
 *
 * - Unicode NFC (UAX #15): the same name or learner id typed on a Mac (NFD) and on Windows (NFC) is
 *   one string, so one learner.
 * - Refused: lone surrogates (not Unicode text; PostgreSQL cannot store them faithfully), control
 *   characters, and the bidirectional embedding, override and isolate characters U+202A–U+202E and
 *   U+2066–U+2069 that make a name display as something else (CVE-2021-42574, "Trojan Source").
 * - Refused: blank text, made only of white space and invisible format characters.
 * - E-mail: RFC 5321 §4.5.3.1 limits — at most 64 characters before the @, 254 in all.
 */
import type { KeywordDefinition, SchemaValidateFunction } from 'ajv';

/**
 * - `name`: one line of human text (a person's, an achievement's or an institution's name, a tag,
 *   a role); trimmed.
 * - `text`: free text that may run over several lines (a description, a narrative): tab, CR and LF
 *   are allowed; kept as written apart from NFC.
 * - `id`: an identifier an institution types (its own learner id); trimmed.
 * - `email`: an e-mail address within the RFC 5321 limits (its syntax is JSON Schema's `format`).
 */
export type TextKind = 'name' | 'text' | 'id' | 'email';

export const TEXT_KEYWORD = 'x-text';

const LONE_SURROGATE = /\p{Cs}/u; // with the u flag, only an unpaired surrogate is \p{Cs}
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;
const BLANK = /^[\s\p{Cf}]*$/u;

/** RFC 5321 §4.5.3.1.1 and §4.5.3.1.3 (a path of 256 octets less its angle brackets). */
export const EMAIL_LOCAL_MAX = 64;
export const EMAIL_MAX = 254;

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * What is wrong with `value` as text of this kind, in words that say what is expected; undefined
 * when it is acceptable. Checks the value as sent (before normalising).
 */
export function textProblem(kind: TextKind, value: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode text (it holds a lone surrogate)';
  const control = (kind === 'text' ? CONTROL_BUT_LINES : CONTROL).exec(value);
  if (control) {
    return kind === 'text'
      ? `must not contain control characters other than tab and line breaks (found ${hex(control[0])})`
      : `must be one line without control characters (found ${hex(control[0])})`;
  }
  const bidi = BIDI.exec(value);
  if (bidi) return `must not contain bidirectional override or isolate characters (U+202A–U+202E, U+2066–U+2069; found ${hex(bidi[0])})`;
  if (BLANK.test(value)) return 'must contain visible text, not only spaces';
  if (kind === 'email') {
    const at = value.lastIndexOf('@');
    if (at > EMAIL_LOCAL_MAX) return `must have at most ${EMAIL_LOCAL_MAX} characters before the @ (RFC 5321)`;
    if (value.length > EMAIL_MAX) return `must have at most ${EMAIL_MAX} characters (RFC 5321)`;
  }
  return undefined;
}

/** The form stored and compared: NFC, and trimmed for one-line names and identifiers. */
export function normaliseText(kind: TextKind, value: string): string {
  const nfc = value.normalize('NFC');
  return kind === 'text' ? nfc : nfc.trim();
}

/** NFC and trimmed, for identifiers that arrive outside a validated body (a query, a CSV cell). */
export const normaliseId = (value: string) => normaliseText('id', value);

const validateText: SchemaValidateFunction = (kind: TextKind, data: string, _parentSchema, context) => {
  const problem = textProblem(kind, data);
  if (problem) {
    validateText.errors = [{ keyword: TEXT_KEYWORD, message: problem, params: { kind } }];
    return false;
  }
  // A string inside an object or array is replaced in place (a bare string body has no parent).
  if (context?.parentData !== undefined && context.parentDataProperty !== undefined) {
    (context.parentData as Record<string | number, unknown>)[context.parentDataProperty] = normaliseText(kind, data);
  }
  return true;
};

/**
 * The Ajv keyword: `{ type: 'string', 'x-text': 'name' }`. It runs after the standard keywords of
 * the string (type, length, format), refuses what {@link textProblem} refuses, and normalises.
 */
export const textKeyword: KeywordDefinition = {
  keyword: TEXT_KEYWORD,
  type: 'string',
  schemaType: 'string',
  modifying: true,
  errors: true,
  metaSchema: { enum: ['name', 'text', 'id', 'email'] },
  validate: validateText,
};
