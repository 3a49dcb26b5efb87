/**
 * The key-encryption key (KEK) outside the service: a copy sealed with a passphrase for safe keeping
 * offline (`ieum kek export/import`), and rotation (`ieum kek rotate`): every private key re-sealed
 * under a new KEK in one transaction, with both keys on disk until the new one is in place, so a
 * kill -9 at any point leaves every key usable with the old or the new key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { opensUnder, seal, sealCanary, unseal } from '../crypto/key-encryption.js';
import { aadFor } from '../crypto/keys.js';
import type { Db } from '../db/database.js';
import { countOtherSessions, findCanary, listSealedKeys, replaceCanary, updateSealedKey } from './ops.repository.js';
import { Refusal } from './refusal.js';

const scrypt = (passphrase: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCallback(passphrase, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))));

/** scrypt at N = 2^17 (128 MiB, about half a second): costly enough to slow guessing, once per command. */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
export const MIN_PASSPHRASE = 12;

interface SealedKekFile {
  format: 'ieum-kek';
  version: 1;
  /** The first 16 hex digits of SHA-256(KEK): tells two keys apart, reveals nothing of either. */
  fingerprint: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  ciphertext: string;
}

export const fingerprint = (kek: Buffer) => createHash('sha256').update(kek).digest('hex').slice(0, 16);

export const kekFile = (config: Config) => path.resolve(config.keysDir, 'kek');

/** The KEK the service would use, without creating one (as the service's first start does). */
export async function readKek(config: Config): Promise<{ kek: Buffer; source: 'KEY_ENCRYPTION_KEY' | string } | undefined> {
  if (config.keyEncryptionKey) return { kek: config.keyEncryptionKey, source: 'KEY_ENCRYPTION_KEY' };
  const file = kekFile(config);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const kek = Buffer.from(text.trim(), 'base64');
  if (kek.length !== 32) throw new Refusal(`${file} does not hold a 32-byte key`);
  return { kek, source: file };
}

export async function sealKek(kek: Buffer, passphrase: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(passphrase, salt, { ...SCRYPT, maxmem: 256 * 1024 * 1024 });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const aad = Buffer.from('ieum-kek/1');
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(kek), cipher.final()]);
  const file: SealedKekFile = {
    format: 'ieum-kek',
    version: 1,
    fingerprint: fingerprint(kek),
    kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export async function openKekFile(name: string, passphrase: string): Promise<Buffer> {
  let text: string;
  try {
    text = await fs.readFile(name, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Refusal(`${name} does not exist`);
    throw error;
  }
  let file: SealedKekFile;
  try {
    file = JSON.parse(text) as SealedKekFile;
  } catch {
    throw new Refusal(`${name} is not a sealed key-encryption key (ieum kek export), or it is damaged`);
  }
  if (file?.format !== 'ieum-kek') throw new Refusal(`${name} is not a sealed key-encryption key (ieum kek export)`);
  if (file.version !== 1) throw new Refusal(`${name} was written by a newer Ieum (version ${file.version})`);
  const { kdf } = file;
  if (kdf?.name !== 'scrypt' || ![kdf.N, kdf.r, kdf.p].every(Number.isInteger) || kdf.N > 2 ** 20 || kdf.r > 32 || kdf.p > 16)
    throw new Refusal(`${name} is damaged: its key derivation is not one Ieum writes`);
  try {
    const key = await scrypt(passphrase, Buffer.from(kdf.salt, 'base64'), { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 1024 * 1024 * 1024 });
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
    decipher.setAAD(Buffer.from('ieum-kek/1'));
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
    const kek = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64')), decipher.final()]);
    if (kek.length !== 32) throw new Error('length');
    return kek;
  } catch {
    throw new Refusal(`the passphrase does not open ${name} (a wrong passphrase, or the file was changed)`);
  }
}

/** Writes a secret file whole (temporary, synced, then linked): never overwrites. */
export async function writeSecretFile(name: string, content: string): Promise<void> {
  const target = path.resolve(name);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const partial = `${target}.partial`;
  await fs.rm(partial, { force: true });
  const handle = await fs.open(partial, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(partial, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Refusal(`${name} already exists: it is never overwritten`);
    throw error;
  } finally {
    await fs.rm(partial, { force: true });
  }
}

/** Replaces `name` with `content` atomically (rename over it), synced. */
async function replaceFile(name: string, content: string): Promise<void> {
  const partial = `${name}.partial`;
  await fs.writeFile(partial, content, { mode: 0o600 });
  const handle = await fs.open(partial, 'r+');
  await handle.sync();
  await handle.close();
  await fs.rename(partial, name);
  const dir = await fs.open(path.dirname(name), 'r');
  await dir.sync().catch(() => {});
  await dir.close();
}

export interface RotationResult {
  keys: number;
  oldFingerprint: string;
  newFingerprint: string;
  /** Where the new key is: KEYS_DIR/kek, or the file given for a KEY_ENCRYPTION_KEY deployment. */
  newKeyAt: string;
  /** Where the old key stays (KEYS_DIR/kek.previous), for backups taken before the rotation. */
  oldKeyAt: string | undefined;
  resumed: boolean;
}

/**
 * Re-seals every private key and the canary under a new KEK.
 *
 * With the KEK in KEYS_DIR/kek: (1) the new key is written to kek.next, synced; (2) one transaction
 * re-seals every key and the canary; (3) the old key is copied to kek.previous; (4) kek.next is
 * renamed over kek. Killed before (2) commits, the database is under the old key and kek holds it;
 * after, under the new one, and kek.next holds it until (4): running `ieum kek rotate` again
 * finishes the rename. With KEY_ENCRYPTION_KEY, the new key goes to `newKeyOut` before (2), and the
 * operator sets the variable to it.
 */
export async function rotateKek(db: Db, config: Config, newKeyOut: string | undefined, force = false): Promise<RotationResult> {
  // A running instance keeps the old key and could not open keys re-sealed under the new one (on
  // PGlite the data-directory lock already keeps the service out).
  if (config.databaseUrl && !force) {
    const others = await countOtherSessions(db);
    if (others > 0)
      throw new Refusal(
        `${others} other sessions are connected to the database (running instances?): stop every instance first, or pass --force if none is Ieum`,
      );
  }
  const current = await readKek(config);
  if (!current) throw new Refusal(`there is no key-encryption key: neither KEY_ENCRYPTION_KEY nor ${kekFile(config)}`);
  const canary = await findCanary(db);
  const viaFile = current.source !== 'KEY_ENCRYPTION_KEY';
  const next = `${kekFile(config)}.next`;

  if (viaFile) {
    const pending = await fs.readFile(next, 'utf8').catch(() => undefined);
    if (pending !== undefined) {
      const pendingKey = Buffer.from(pending.trim(), 'base64');
      if (canary && pendingKey.length === 32 && opensUnder(pendingKey, canary.sealed) && !opensUnder(current.kek, canary.sealed)) {
        // A rotation committed in the database, then stopped before its key replaced kek: finish it.
        await replaceFile(`${kekFile(config)}.previous`, `${current.kek.toString('base64')}\n`);
        await fs.rename(next, kekFile(config));
        const keys = (await listSealedKeys(db)).length;
        return {
          keys,
          oldFingerprint: fingerprint(current.kek),
          newFingerprint: fingerprint(pendingKey),
          newKeyAt: kekFile(config),
          oldKeyAt: `${kekFile(config)}.previous`,
          resumed: true,
        };
      }
      await fs.rm(next, { force: true });
    }
  } else if (!newKeyOut) {
    throw new Refusal('KEY_ENCRYPTION_KEY is set: give --new-key-out FILE for the new key, then set KEY_ENCRYPTION_KEY to it');
  }
  if (canary && !opensUnder(current.kek, canary.sealed))
    throw new Refusal(`the key-encryption key from ${current.source} does not open this database's keys: nothing to rotate from`);
  const sealedKeys = await listSealedKeys(db);
  // Every key opens under the current KEK before anything is written.
  const plain = sealedKeys.map((k) => {
    try {
      return { id: k.id, privateJwk: unseal(current.kek, k.private_key_sealed, aadFor(k.id)) };
    } catch {
      throw new Refusal(`the signing key ${k.id} of ${k.slug} does not open under the current key-encryption key: run ieum doctor`);
    }
  });

  const kek = randomBytes(32);
  const encoded = `${kek.toString('base64')}\n`;
  if (viaFile) await writeSecretFile(next, encoded);
  else await writeSecretFile(newKeyOut!, encoded);

  await db.transaction().execute(async (trx) => {
    for (const { id, privateJwk } of plain) await updateSealedKey(trx, id, seal(kek, privateJwk, aadFor(id)));
    await replaceCanary(trx, sealCanary(kek));
  });

  let oldKeyAt: string | undefined;
  if (viaFile) {
    oldKeyAt = `${kekFile(config)}.previous`;
    await replaceFile(oldKeyAt, `${current.kek.toString('base64')}\n`);
    await fs.rename(next, kekFile(config));
  }
  return {
    keys: plain.length,
    oldFingerprint: fingerprint(current.kek),
    newFingerprint: fingerprint(kek),
    newKeyAt: viaFile ? kekFile(config) : path.resolve(newKeyOut!),
    oldKeyAt,
    resumed: false,
  };
}
