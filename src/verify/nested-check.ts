/**
 * The `nested` check of a CLR 2.0: a ClrCredential vouches for the credentials it nests, so each is
 * verified on its own (proof, status, validity), as 1EdTech's validator inspects each; the first
 * that does not hold fails the CLR, named in the check. Nesting stops at one level (a CLR in a CLR
 * is not looked into: `verifyNested` does not look inside).
 */
import { InvalidInput } from '../invalid-input.js';
import type { CheckOf, Verdict, VerifyInput } from './verdict.js';
import type { Json } from './values.js';

export const isClr = (credential: Json) => ([] as unknown[]).concat(credential.type ?? []).includes('ClrCredential');

export async function checkNested(
  credential: Json,
  verifyNested: (input: VerifyInput) => Promise<Verdict>,
): Promise<{ check: CheckOf<'nested'>; failed?: Verdict }> {
  const subject = ([] as unknown[]).concat(credential.credentialSubject ?? [])[0] as Json | undefined;
  const nested = ([] as unknown[]).concat(subject?.verifiableCredential ?? []);
  for (const [i, item] of nested.entries()) {
    const where = `credentialSubject.verifiableCredential[${i}]`;
    let verdict: Verdict;
    try {
      verdict = await verifyNested(typeof item === 'string' ? { jwt: item } : { credential: item });
    } catch (error) {
      if (error instanceof InvalidInput) {
        return { check: { check: 'nested', ok: false, code: 'nested-not-credential', detail: `${where} is not a verifiable credential` } };
      }
      throw error;
    }
    if (!verdict.verified) {
      const reason = verdict.checks.find((c) => c.ok !== true && c.check !== 'schema' && c.check !== 'issuer');
      return {
        check: {
          check: 'nested',
          ok: false,
          code: 'nested-failed',
          detail: `The nested credential ${where} (${verdict.credential.id ?? 'no id'}) does not hold: ${reason?.detail ?? verdict.state}`,
        },
        failed: verdict,
      };
    }
  }
  return { check: { check: 'nested', ok: true, code: 'nested-valid', detail: `Each of the ${nested.length} nested credentials verifies` } };
}
