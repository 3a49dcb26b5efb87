/** The `issuer` check: one of ours, or in the operator's registry (src/verify/key-resolver.ts identifies it). */
import type { CheckOf } from './verdict.js';

export function checkIssuer(identity: { recognized: boolean; name?: string }): CheckOf<'issuer'> {
  return identity.recognized
    ? { check: 'issuer', ok: true, code: 'issuer-known', detail: `Issued by ${identity.name}, known to this service` }
    : { check: 'issuer', ok: false, code: 'issuer-unknown', detail: 'The issuer is not registered here; the signature alone cannot say who they are' };
}
