/**
 * The `status` check, in one of two regimes: a credential we hold is judged by our own row (the
 * source our published lists are made from, and the only place suspension reasons live); any other
 * by its Bitstring Status List entries, read from our lists or the operator's registry, never fetched.
 */
import type { RegistryService } from '../registry/registry.service.js';
import { bitAt, decodeBitstring } from '../status/bitstring.js';
import type { StatusService } from '../status/status.service.js';
import type { Urls } from '../urls.js';
import type { StoredStatus } from './stored-credential.repository.js';
import type { CheckOf } from './verdict.js';
import { idOf, text, type Json } from './values.js';

export interface StatusOutcome {
  check: CheckOf<'status'>;
  /** Our own row's reason for a revocation or suspension. */
  reason?: string | null;
}

const active = (): StatusOutcome => ({ check: { check: 'status', ok: true, code: 'active', detail: 'Not revoked or suspended' } });

/** From our own row: no need to read the list. */
function statusOfOurRow(row: StoredStatus): StatusOutcome {
  if (row.revoked_at) {
    return {
      check: {
        check: 'status',
        ok: false,
        code: 'revoked',
        detail: `Revoked by the issuer on ${row.revoked_at.toISOString().slice(0, 10)}${row.revocation_reason ? `: ${row.revocation_reason}` : ''}`,
      },
      reason: row.revocation_reason,
    };
  }
  if (row.suspended_at) {
    return {
      check: { check: 'status', ok: false, code: 'suspended', detail: `Suspended by the issuer${row.suspension_reason ? `: ${row.suspension_reason}` : ''}` },
      reason: row.suspension_reason,
    };
  }
  return active();
}

export function createStatusCheck({ status, registry, urls }: { status: StatusService; registry: RegistryService; urls: Urls }) {
  const ourStatusPrefix = urls.statusList('');

  /** The list an entry points at, when it is one we can read and its issuer is the credential's. */
  async function knownList(listUrl: string, issuerId: string | null): Promise<Json | undefined> {
    if (listUrl.startsWith(ourStatusPrefix)) {
      const listId = listUrl.slice(ourStatusPrefix.length);
      try {
        const list = /^[0-9a-f-]{36}$/i.test(listId) ? (await status.publish(listId)).credential : undefined;
        // One of our lists speaks only for credentials of the issuer that publishes it.
        return list && idOf(list.issuer) === issuerId ? list : undefined;
      } catch {
        return undefined;
      }
    }
    const known = await registry.findStatusList(listUrl);
    return known && known.issuerId === issuerId ? known.credential : undefined;
  }

  async function statusOfLists(credential: Json): Promise<StatusOutcome> {
    const entries = ([] as Json[]).concat(credential.credentialStatus ?? []).filter((e) => e && typeof e === 'object');
    if (entries.length === 0) {
      return { check: { check: 'status', ok: true, code: 'no-status', detail: 'The credential has no status list; nothing can revoke it' } };
    }
    for (const entry of entries) {
      if (entry.type !== 'BitstringStatusListEntry') {
        return { check: { check: 'status', ok: null, code: 'status-unsupported', detail: `Status type ${text(entry.type)} is not supported` } };
      }
      const index = Number.parseInt(text(entry.statusListIndex), 10);
      if (!Number.isInteger(index) || index < 0) {
        return { check: { check: 'status', ok: false, code: 'status-invalid', detail: 'The status entry has no valid index' } };
      }
      const list = await knownList(text(entry.statusListCredential ?? ''), idOf(credential.issuer));
      if (!list) {
        return {
          check: { check: 'status', ok: null, code: 'status-unknown', detail: 'Could not determine the status: the status list is not one this service knows' },
        };
      }
      let bit: boolean;
      try {
        bit = bitAt(decodeBitstring(text(list.credentialSubject?.encodedList ?? '')), index);
      } catch {
        return { check: { check: 'status', ok: null, code: 'status-unknown', detail: 'Could not determine the status: the status list cannot be read' } };
      }
      if (bit) {
        const purpose = entry.statusPurpose ?? list.credentialSubject?.statusPurpose;
        return {
          check: {
            check: 'status',
            ok: false,
            code: purpose === 'suspension' ? 'suspended' : 'revoked',
            detail: purpose === 'suspension' ? 'Suspended (status list)' : 'Revoked (status list)',
          },
        };
      }
    }
    return active();
  }

  /** `ours`: our row for the credential, when it is one we hold (src/verify/stored-credentials.ts). */
  return function checkStatus(credential: Json, ours: StoredStatus | undefined): Promise<StatusOutcome> {
    return ours ? Promise.resolve(statusOfOurRow(ours)) : statusOfLists(credential);
  };
}
