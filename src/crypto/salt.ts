import { randomFillSync } from 'node:crypto';

const SALT_BYTES = 16;
/** 256 salts' worth of random bytes, refilled when spent: one call to the CSPRNG per 256 credentials. */
const pool = Buffer.alloc(SALT_BYTES * 256);
let used = pool.length;

/**
 * A fresh 128-bit salt (hex) for an identity hash. Each salt takes its own unused bytes of the pool;
 * drawing them one call at a time cost ~10 µs a credential (a twentieth of JWT-only issuance).
 */
export function newSalt(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += SALT_BYTES;
  return pool.toString('hex', used - SALT_BYTES, used);
}
