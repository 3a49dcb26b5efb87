/**
 * Private keys at rest: AES-256-GCM under the key-encryption key (KEK). The KEK comes from
 * KEY_ENCRYPTION_KEY or, for the embedded default, from `<KEYS_DIR>/kek` created on first start.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const KEK_FILE = 'kek';

/** Returns the configured KEK, or reads (creating once, mode 0600) the one in keysDir. */
export async function loadKeyEncryptionKey(configured: Buffer | undefined, keysDir: string): Promise<Buffer> {
  if (configured) return configured;
  const file = path.resolve(keysDir, KEK_FILE);
  await fs.mkdir(keysDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx' fails if the file exists, so two processes starting at once cannot overwrite each other.
    await fs.writeFile(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}

/** base64(iv | tag | ciphertext); `aad` binds the sealed blob to its owner so it cannot be moved. */
export function seal(kek: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

export function unseal(kek: Buffer, sealed: string, aad: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

const CANARY_AAD = 'ieum:key-encryption-check';
const CANARY_TEXT = 'ieum key-encryption key check';

/** A sealed text that only this KEK opens: kept in the database to tell a wrong KEK at start. */
export function sealCanary(kek: Buffer): string {
  return seal(kek, CANARY_TEXT, CANARY_AAD);
}

/** Whether `sealed` (a canary, or a signing key with its aad) opens under this KEK. */
export function opensUnder(kek: Buffer, sealed: string, aad = CANARY_AAD): boolean {
  try {
    const text = unseal(kek, sealed, aad);
    return aad !== CANARY_AAD || text === CANARY_TEXT;
  } catch {
    return false;
  }
}
