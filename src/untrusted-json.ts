/**
 * JSON from strangers: bounded before it is parsed. A body within the size limit can still nest
 * arrays thousands deep (`[[[[…`), which costs seconds in JSON.parse and overflows the stack of
 * every recursive walk after it (ajv, JSON.stringify, jsonld). A linear scan refuses such text
 * first; real credentials (a CLR nesting Open Badges included) stay far below the limit.
 */
import { AppError, ErrorCode } from './errors.js';

/** Deepest nesting of objects and arrays accepted in any JSON a request carries. */
export const MAX_JSON_DEPTH = 64;

/** The largest JSON text taken from inside a request (a baked image's chunk): the body limit's size. */
export const MAX_EMBEDDED_JSON_BYTES = 512 * 1024;

/** Whether `text` nests objects/arrays deeper than `max` (brackets inside strings do not count). */
export function jsonNestingExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** An error for JSON that nests too deeply, naming the field it came in. */
export function tooDeep(field: string): AppError {
  return new AppError(400, ErrorCode.validation, `JSON nested more than ${MAX_JSON_DEPTH} levels deep is not accepted`, field);
}
