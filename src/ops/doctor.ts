/**
 * `ieum doctor`: is this database whole, and can the service sign with it? Migrations current,
 * every private key opens under the key-encryption key, every status list's signed copy verifies and
 * says what the credentials say, every credential holds an index of its own; counts per institution.
 */
import { migrations } from '../../migrations/index.js';
import { createApiKeyCache } from '../auth/auth.js';
import type { Config } from '../config.js';
import { opensUnder } from '../crypto/key-encryption.js';
import { aadFor } from '../crypto/keys.js';
import { verifyDataIntegrityProof } from '../crypto/securing.js';
import type { Db } from '../db/database.js';
import { listAppliedMigrations } from '../db/dump.js';
import { createIssuerService } from '../issuers/issuer.service.js';
import { createKeyStore } from '../issuers/key-store.js';
import { createRegistryService } from '../registry/registry.service.js';
import { bitAt, decodeBitstring } from '../status/bitstring.js';
import { createUrls } from '../urls.js';
import { createKeyResolver } from '../verify/key-resolver.js';
import {
  countPerInstitution,
  findBadStatusIndexes,
  findCanary,
  listRevokedIndexesOf,
  listSealedKeys,
  listStatusLists,
  type InstitutionCounts,
} from './ops.repository.js';

export interface DoctorCheck {
  check: 'migrations' | 'key-encryption-key' | 'private-keys' | 'status-lists' | 'status-indexes';
  ok: boolean;
  detail: string;
  problems?: string[];
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
  institutions: InstitutionCounts[];
}

const MAX_LISTED = 10;

export async function runDoctor(db: Db, config: Config, kek: Buffer | undefined): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];

  const applied = await listAppliedMigrations(db);
  const known = Object.keys(migrations);
  const pending = known.filter((name) => !applied.includes(name));
  const unknown = applied.filter((name) => !known.includes(name));
  checks.push(
    unknown.length > 0
      ? { check: 'migrations', ok: false, detail: `the database has migrations this Ieum does not know (${unknown.join(', ')}): it was run by a newer version` }
      : pending.length > 0
        ? {
            check: 'migrations',
            ok: false,
            detail: `${pending.length} migrations not run yet (${pending.join(', ')}): the service runs them at its next start`,
          }
        : { check: 'migrations', ok: true, detail: `current (${applied.at(-1)})` },
  );
  if (applied.length === 0) return { ok: false, checks, institutions: [] };

  const canary = await findCanary(db);
  if (!kek) {
    checks.push({ check: 'key-encryption-key', ok: false, detail: 'no key-encryption key here: neither KEY_ENCRYPTION_KEY nor KEYS_DIR/kek' });
  } else {
    checks.push(
      !canary
        ? { check: 'key-encryption-key', ok: true, detail: 'no check sealed yet (the service seals one at its first start)' }
        : opensUnder(kek, canary.sealed)
          ? { check: 'key-encryption-key', ok: true, detail: 'the key-encryption key opens this database' }
          : { check: 'key-encryption-key', ok: false, detail: 'the key-encryption key does not open this database (another KEK, or the keys were rotated)' },
    );
    const sealed = await listSealedKeys(db);
    const closed = sealed.filter((k) => !opensUnder(kek, k.private_key_sealed, aadFor(k.id)));
    checks.push({
      check: 'private-keys',
      ok: closed.length === 0,
      detail: closed.length === 0 ? `all ${sealed.length} private keys open` : `${closed.length} of ${sealed.length} private keys do not open`,
      ...(closed.length > 0 ? { problems: closed.slice(0, MAX_LISTED).map((k) => `${k.slug}: key ${k.id}`) } : {}),
    });
  }

  // Status lists: the signed copy, where it is current, must verify with the issuer's key and carry
  // exactly the revoked credentials' bits. An outdated copy is signed again at its next request.
  const urls = createUrls(config.publicUrl);
  const issuers = createIssuerService({ db, keys: createKeyStore(db, kek ?? Buffer.alloc(32)), urls, apiKeys: createApiKeyCache() });
  const resolver = createKeyResolver({ urls, issuers, registry: createRegistryService({ db }) });
  const lists = await listStatusLists(db);
  const listProblems: string[] = [];
  let signedChecked = 0;
  for (const list of lists) {
    if (!list.signed_credential || list.signed_version !== list.version) continue;
    signedChecked++;
    const credential = list.signed_credential as Record<string, unknown>;
    const subject = credential.credentialSubject as { encodedList?: string } | undefined;
    if (credential.id !== urls.statusList(list.id)) listProblems.push(`${list.slug}: list ${list.id} is signed for ${String(credential.id)}`);
    const documents: Record<string, unknown> = {};
    for (const proof of ([] as Record<string, unknown>[]).concat((credential.proof as Record<string, unknown>[]) ?? [])) {
      const method = String(proof.verificationMethod ?? '');
      documents[method] = await resolver.resolve(method);
      documents[method.split('#')[0]!] = await resolver.resolve(method.split('#')[0]!);
    }
    const proof = await verifyDataIntegrityProof(credential, documents);
    if (!proof.verified) listProblems.push(`${list.slug}: list ${list.id}: its signature does not verify (${proof.reason})`);
    const revoked = new Set(await listRevokedIndexesOf(db, list.id));
    let bits: Uint8Array | undefined;
    try {
      bits = decodeBitstring(subject?.encodedList ?? '');
    } catch {
      listProblems.push(`${list.slug}: list ${list.id}: its encodedList cannot be read`);
    }
    if (bits) {
      let differ = 0;
      for (let i = 0; i < list.capacity; i++) if (bitAt(bits, i) !== revoked.has(i)) differ++;
      if (differ > 0) listProblems.push(`${list.slug}: list ${list.id}: ${differ} bits differ from the revoked credentials`);
    }
  }
  checks.push({
    check: 'status-lists',
    ok: listProblems.length === 0,
    detail:
      listProblems.length === 0
        ? `${lists.length} lists; ${signedChecked} signed copies verify and match their credentials`
        : `${listProblems.length} problems in ${lists.length} lists`,
    ...(listProblems.length > 0 ? { problems: listProblems.slice(0, MAX_LISTED) } : {}),
  });

  const bad = await findBadStatusIndexes(db);
  checks.push({
    check: 'status-indexes',
    ok: bad.length === 0,
    detail: bad.length === 0 ? 'every credential has a status index of its own' : `${bad.length} credentials with a bad status index`,
    ...(bad.length > 0 ? { problems: bad.slice(0, MAX_LISTED).map((b) => `${b.id}: ${b.problem}`) } : {}),
  });

  return { ok: checks.every((c) => c.ok), checks, institutions: await countPerInstitution(db) };
}
