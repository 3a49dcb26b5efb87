/**
 * The verdict every verify route answers with (/work/shared/DESIGN.md, "Verification verdict").
 * Its vocabulary is listed once, here: the types below, the OpenAPI schema (schemas/verify.ts) and
 * the page texts (src/pages/i18n.ts) are all built from these lists.
 */

/**
 * Every code a check can produce, by check: a stable code the pages translate. `nested` is only
 * for a CLR, whose nested credentials are verified each; `holder-invalid` and `no-challenge` only
 * for a presentation.
 */
export const CHECK_CODES_BY_CHECK = {
  proof: [
    'signature-valid',
    'signature-invalid',
    'unknown-context',
    'no-proof',
    'unsupported-proof',
    'key-not-issuers',
    'unknown-key',
    'jwt-claims-mismatch',
    'holder-invalid',
    'no-challenge',
  ],
  status: ['active', 'no-status', 'revoked', 'suspended', 'status-unsupported', 'status-invalid', 'status-unknown'],
  validity: ['in-period', 'not-yet-valid', 'expired', 'dates-invalid'],
  schema: ['schema-valid', 'schema-invalid', 'schema-none'],
  issuer: ['issuer-known', 'issuer-unknown'],
  nested: ['nested-valid', 'nested-failed', 'nested-not-credential'],
} as const;

export type CheckId = keyof typeof CHECK_CODES_BY_CHECK;
export type CheckCode = (typeof CHECK_CODES_BY_CHECK)[CheckId][number];

export const CHECK_IDS = Object.keys(CHECK_CODES_BY_CHECK) as CheckId[];
export const CHECK_CODES: CheckCode[] = Object.values(CHECK_CODES_BY_CHECK).flat();

/** One check's outcome, with a code of that check. */
export type CheckOf<Id extends CheckId> = {
  check: Id;
  /** true: holds; false: failed; null: could not be determined. */
  ok: boolean | null;
  code: (typeof CHECK_CODES_BY_CHECK)[Id][number];
  detail: string;
};

export type Check = { [Id in CheckId]: CheckOf<Id> }[CheckId];

/**
 * `unrecognized-issuer`: signature, status and dates hold, but the issuer is neither one of ours nor
 * registered; `verified` stays true (as other software reads it), the pages show it in amber.
 */
export const VERDICT_STATES = ['verified', 'revoked', 'suspended', 'expired', 'not-yet-valid', 'invalid', 'undetermined', 'unrecognized-issuer'] as const;
export type VerdictState = (typeof VERDICT_STATES)[number];

export interface Verdict {
  verified: boolean;
  state: VerdictState;
  format: 'data-integrity' | 'jwt';
  checks: Check[];
  credential: {
    id: string | null;
    type: string[];
    issuer: { id: string | null; name: string | null; url: string | null; recognized: boolean };
    achievement: { id: string | null; name: string | null; achievementType: string | null } | null;
    recipient: { name: string | null; id: string | null; hashedEmail: boolean };
    validFrom: string | null;
    validUntil: string | null;
  };
  /** For our own credentials: the status reason the issuer gave. */
  statusReason?: string | null;
  /** The credential's page here: only for a credential one of our issuers signed and we hold. */
  pageUrl?: string;
}

/** What is handed to the verifier: a credential (JSON-LD) or a compact JWS. */
export interface VerifyInput {
  credential?: unknown;
  jwt?: string;
}
