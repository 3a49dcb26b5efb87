/** The `validity` check: not before `validFrom`, not after `validUntil` (or their VC 1.1 names). */
import type { CheckOf } from './verdict.js';
import { text, type Json } from './values.js';

export function checkValidity(credential: Json, now: Date): CheckOf<'validity'> {
  const from = credential.validFrom ?? credential.issuanceDate;
  const until = credential.validUntil ?? credential.expirationDate;
  if (from !== undefined && Number.isNaN(Date.parse(text(from))))
    return { check: 'validity', ok: false, code: 'dates-invalid', detail: 'validFrom is not a date' };
  if (until !== undefined && Number.isNaN(Date.parse(text(until))))
    return { check: 'validity', ok: false, code: 'dates-invalid', detail: 'validUntil is not a date' };
  if (from !== undefined && Date.parse(text(from)) > now.getTime()) {
    return { check: 'validity', ok: false, code: 'not-yet-valid', detail: `Not valid before ${from}` };
  }
  if (until !== undefined && Date.parse(text(until)) <= now.getTime()) {
    return { check: 'validity', ok: false, code: 'expired', detail: `Expired on ${until}` };
  }
  return { check: 'validity', ok: true, code: 'in-period', detail: until ? `Valid until ${until}` : 'Valid, with no end date' };
}
