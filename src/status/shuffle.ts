/**
 * The order in which a status list hands out its indexes: a permutation of 0..capacity-1 drawn
 * from the list's secret seed. Bitstring Status List v1.0 asks for indexes that reveal nothing
 * (not the order of issuance, not a neighbour); a secret shuffle gives that, and lets a list hand
 * out its next n indexes by moving one counter, where random draws needed a row per index to
 * stay unique.
 */
import { createCipheriv } from 'node:crypto';

export const SEED_BYTES = 32;

/**
 * Fisher–Yates driven by AES-256-CTR under the seed (zero IV: each seed is used for this alone),
 * with rejection sampling so that every permutation is equally likely. The same seed always gives
 * the same order, on every instance.
 */
export function shuffledIndexes(seed: Uint8Array, capacity: number): Uint32Array {
  if (seed.length !== SEED_BYTES) throw new Error(`a status list seed is ${SEED_BYTES} bytes, not ${seed.length}`);
  const keystream = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  const zeros = Buffer.alloc(16 * 1024);
  let block = Buffer.alloc(0);
  let at = 0;
  // One continuous keystream read as little-endian words: the order must be the same on every
  // machine and in every version, for as long as a list hands out indexes.
  const draw = () => {
    if (at === block.length) {
      block = keystream.update(zeros);
      at = 0;
    }
    const word = block.readUInt32LE(at);
    at += 4;
    return word;
  };

  const order = new Uint32Array(capacity);
  for (let i = 0; i < capacity; i++) order[i] = i;
  for (let i = capacity - 1; i > 0; i--) {
    const range = i + 1;
    // The largest multiple of range below 2^32: draws above it would favour small values.
    const limit = 2 ** 32 - (2 ** 32 % range);
    let r = draw();
    while (r >= limit) r = draw();
    const j = r % range;
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
