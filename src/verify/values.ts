/** Reading values out of an untrusted credential: any field may hold anything. */

import type { Json } from '../ids.js';

export type { Json };

/**
 * Untrusted values as text: a credential may carry objects where strings belong (even ones whose
 * toString is not a function), and String() on those throws.
 */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unreadable]';
  }
}

/** The id of a value given as a string or as an object with an id (issuer, holder, credential). */
export const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : value && typeof value === 'object' && typeof (value as Json).id === 'string' ? (value as Json).id : null;

/** Key-order independent JSON, to compare a presented credential with the stored one. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
