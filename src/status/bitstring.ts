/**
 * Bitstring Status List v1.0 §3.1: a GZIP-compressed bitstring, multibase base64url ('u' prefix)
 * with no padding. Bit 0 is the left-most bit of the first byte.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

/** The spec's minimum size, 16 KiB, so that no credential can be told apart by its list. */
export const MIN_LIST_BITS = 131_072;

export function encodeBitstring(setIndexes: Iterable<number>, bits: number): string {
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  for (const index of setIndexes) {
    if (index < 0 || index >= bits) throw new RangeError(`status index ${index} outside 0..${bits - 1}`);
    bytes[index >> 3]! |= 0x80 >> (index & 7);
  }
  return 'u' + gzipSync(bytes).toString('base64url');
}

export function decodeBitstring(encodedList: string): Uint8Array {
  // Accept the multibase form and, as many issuers still publish it, plain base64(url).
  const body = encodedList.startsWith('u') ? encodedList.slice(1) : encodedList;
  return new Uint8Array(gunzipSync(Buffer.from(body, 'base64url'), { maxOutputLength: 16 * 1024 * 1024 }));
}

export function bitAt(bytes: Uint8Array, index: number): boolean {
  if (index < 0 || index >= bytes.length * 8) throw new RangeError(`status index ${index} is outside the list`);
  return (bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}
