/** Turning what a person hands over (text, a file, a baked badge image) into a verify input. */
import { unbakePng, unbakeSvg } from '../pages/badge.js';
import { jsonNestingExceeds, tooDeep } from '../untrusted-json.js';
import type { VerifyInput } from './verify.service.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The credential text inside a file: a baked PNG or SVG badge (OB 3.0 §5.3), or JSON/JWT text. */
export function textFromFile(file: Buffer, typeHint = ''): string {
  if (file.subarray(0, 8).equals(PNG_SIGNATURE)) return unbakePng(file)?.trim() ?? '';
  const text = file.toString('utf8').trim();
  if (/svg/i.test(typeHint) || text.startsWith('<')) return unbakeSvg(text)?.trim() ?? '';
  return text;
}

/**
 * JSON text is a credential, anything else is taken as a compact JWS; undefined for bad JSON.
 * @throws AppError (400, naming `field`) for JSON nested too deeply to parse safely
 */
export function inputFromText(text: string, field = 'body'): VerifyInput | undefined {
  if (text.startsWith('{')) {
    if (jsonNestingExceeds(text)) throw tooDeep(field);
    try {
      return { credential: JSON.parse(text) };
    } catch {
      return undefined;
    }
  }
  return { jwt: text };
}
