/**
 * Badge images that carry their credential: Open Badges 3.0 "baking" (OB 3.0 §5.3) of a signed
 * OpenBadgeCredential into a PNG or an SVG, reading it back out, and a generated round badge for
 * achievements that have no image of their own.
 *
 * A credential is baked as one of two texts (§5.3): the JSON of a credential secured with an
 * embedded proof (Data Integrity), or the compact JWS of a VC-JOSE credential.
 */
import { inflateSync } from 'node:zlib';
import CRC32 from 'crc-32';
import { renderAsync } from '@resvg/resvg-js';
import { badRequest } from '../errors.js';
import { MAX_EMBEDDED_JSON_BYTES } from '../untrusted-json.js';

/** A signed credential object (embedded proof), its JSON text, or a compact JWS (VC-JOSE). */
export type BakeableCredential = object | string;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/** The text §5.3 puts in the image, and which of the two forms it is. */
function credentialText(credential: BakeableCredential): { form: 'json' | 'jws'; text: string } {
  if (typeof credential !== 'string') return { form: 'json', text: JSON.stringify(credential) };
  const text = credential.trim();
  if (text.startsWith('{')) {
    JSON.parse(text); // refuse to bake text that no reader could parse
    return { form: 'json', text };
  }
  if (COMPACT_JWS.test(text)) return { form: 'jws', text };
  throw new TypeError('credential must be a credential object, its JSON text, or a compact JWS');
}

function malformed(detail: string): Error {
  return badRequest(detail, 'image');
}

// ---------------------------------------------------------------------------------------------
// PNG (OB 3.0 §5.3.1): one uncompressed iTXt chunk, keyword "openbadgecredential".
// ---------------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_CREDENTIAL_KEYWORD = 'openbadgecredential';
/**
 * Cap on inflating a (non-conforming) compressed chunk from an uploaded image: no more than a JSON
 * body may carry, so a few kilobytes of image never turn into megabytes to parse.
 */
const MAX_INFLATED_CREDENTIAL_BYTES = MAX_EMBEDDED_JSON_BYTES;

interface PngChunk {
  type: string;
  data: Buffer;
  /** The whole chunk as stored: length, type, data and CRC. */
  stored: Buffer;
}

/** CRC-32 over chunk type and data (PNG spec §5.3). crc-32 answers signed; PNG stores unsigned. */
function chunkCrc(typeAndData: Buffer): number {
  return CRC32.buf(typeAndData) >>> 0;
}

function crcMatches(chunk: PngChunk): boolean {
  return chunkCrc(chunk.stored.subarray(4, -4)) === chunk.stored.readUInt32BE(chunk.stored.length - 4);
}

/** The chunks of a PNG, IHDR first, stopping after IEND. Throws on anything that is not a PNG. */
function* pngChunks(png: Buffer): Generator<PngChunk> {
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw malformed('not a PNG image (bad signature)');
  }
  let offset = PNG_SIGNATURE.length;
  let first = true;
  while (offset < png.length) {
    if (offset + 12 > png.length) throw malformed('truncated PNG chunk');
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > png.length) throw malformed('truncated PNG chunk');
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw malformed('bad PNG chunk type');
    if (first && type !== 'IHDR') throw malformed('a PNG must start with IHDR');
    first = false;
    const data = png.subarray(offset + 8, offset + 8 + length);
    yield { type, data, stored: png.subarray(offset, end) };
    if (type === 'IEND') return;
    offset = end;
  }
  throw malformed('PNG has no IEND chunk');
}

/** The keyword of an iTXt chunk: Latin-1, 1–79 bytes, ended by a NUL (PNG spec §11.3.4.5). */
function iTxtKeyword(data: Buffer): string | undefined {
  const end = data.indexOf(0);
  return end >= 1 && end <= 79 ? data.toString('latin1', 0, end) : undefined;
}

function isCredentialChunk(chunk: PngChunk): boolean {
  return chunk.type === 'iTXt' && iTxtKeyword(chunk.data) === PNG_CREDENTIAL_KEYWORD;
}

/**
 * iTXt layout: keyword NUL, compression flag, compression method, language tag NUL,
 * translated keyword NUL, text (UTF-8). §5.3.1.1: no compression, empty tag and translation.
 */
function credentialChunk(text: string): Buffer {
  const typeAndData = Buffer.concat([
    Buffer.from('iTXt', 'latin1'),
    Buffer.from(PNG_CREDENTIAL_KEYWORD, 'latin1'),
    Buffer.from([0, 0, 0, 0, 0]), // keyword NUL, flag 0, method 0, empty language NUL, empty translation NUL
    Buffer.from(text, 'utf8'),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(typeAndData.length - 4);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(chunkCrc(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function iTxtText(data: Buffer): string {
  const keywordEnd = data.indexOf(0);
  const compressed = data[keywordEnd + 1] === 1;
  const languageEnd = data.indexOf(0, keywordEnd + 3);
  const translationEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (translationEnd < 0) throw malformed('malformed openbadgecredential iTXt chunk');
  let text = data.subarray(translationEnd + 1);
  if (compressed) {
    // §5.3.1.1 forbids compression; reading it anyway costs little and helps with other bakers.
    try {
      text = inflateSync(text, { maxOutputLength: MAX_INFLATED_CREDENTIAL_BYTES });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw malformed(`the compressed openbadgecredential chunk inflates to more than ${MAX_INFLATED_CREDENTIAL_BYTES / 1024} KiB`);
      }
      throw malformed('the compressed openbadgecredential chunk does not inflate');
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch {
    throw malformed('the openbadgecredential chunk is not UTF-8');
  }
}

/**
 * Bakes a credential into a PNG (OB 3.0 §5.3.1.1): an uncompressed `iTXt` chunk with keyword
 * `openbadgecredential` just before IEND. An existing credential chunk is replaced, since the
 * keyword "MUST NOT appear in a PNG more than once".
 *
 * @param png - the badge image
 * @param credential - a signed credential object (baked as JSON), or a compact JWS
 * @returns a new PNG; the input is not modified
 * @throws AppError (400) when `png` is not a well-formed PNG; TypeError (or SyntaxError, for broken
 *   JSON text) when `credential` is neither a credential nor a compact JWS
 */
export function bakePng(png: Buffer, credential: BakeableCredential): Buffer {
  const { text } = credentialText(credential);
  const parts: Buffer[] = [PNG_SIGNATURE];
  for (const chunk of pngChunks(png)) {
    if (isCredentialChunk(chunk)) continue;
    if (chunk.type === 'IEND') parts.push(credentialChunk(text));
    parts.push(chunk.stored);
  }
  return Buffer.concat(parts);
}

/**
 * Reads the credential baked into a PNG (OB 3.0 §5.3.1.2): the text of the first `iTXt` chunk
 * with keyword `openbadgecredential` — credential JSON or a compact JWS, as baked.
 *
 * @returns the baked text, or `undefined` when the PNG carries no credential
 * @throws AppError (400) when `png` is not a PNG, or the credential chunk is corrupt
 */
export function unbakePng(png: Buffer): string | undefined {
  for (const chunk of pngChunks(png)) {
    if (!isCredentialChunk(chunk)) continue;
    if (!crcMatches(chunk)) throw malformed('the openbadgecredential chunk is corrupt (CRC mismatch)');
    return iTxtText(chunk.data);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// SVG (OB 3.0 §5.3.2): <openbadges:credential> right after the root <svg> start tag.
// ---------------------------------------------------------------------------------------------

const OB_NAMESPACE = 'https://purl.imsglobal.org/ob/v3p0';
const CREDENTIAL_ELEMENT = 'openbadges:credential';

/** Index just past `token` at or after `from`; throws when the construct is never closed. */
function indexPast(text: string, token: string, from: number, what: string): number {
  const at = text.indexOf(token, from);
  if (at < 0) throw malformed(`unterminated ${what} in SVG`);
  return at + token.length;
}

/** Index of the `>` closing the tag that opens at `from`; `>` inside quoted attribute values is skipped. */
function tagEnd(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i;
    }
  }
  throw malformed('unterminated tag in SVG');
}

const isNameEnd = (c: string | undefined) => c === undefined || c === '>' || c === '/' || /\s/.test(c);

/** The root `<svg …>` start tag, past the prolog (XML declaration, comments, DOCTYPE). */
function rootStartTag(svg: string): { start: number; end: number; selfClosing: boolean } {
  let i = svg.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < svg.length && /\s/.test(svg[i] ?? '')) i++;
    if (svg.startsWith('<?', i)) i = indexPast(svg, '?>', i, 'processing instruction');
    else if (svg.startsWith('<!--', i)) i = indexPast(svg, '-->', i + 4, 'comment');
    else if (svg.startsWith('<!DOCTYPE', i)) i = doctypeEnd(svg, i);
    else break;
  }
  if (!svg.startsWith('<svg', i) || !isNameEnd(svg[i + 4])) throw malformed('not an SVG document (the root element must be <svg>)');
  const close = tagEnd(svg, i);
  return { start: i, end: close + 1, selfClosing: svg[close - 1] === '/' };
}

/** Past a DOCTYPE, whose internal subset `[...]` may itself contain `>`. */
function doctypeEnd(svg: string, from: number): number {
  let depth = 0;
  for (let i = from; i < svg.length; i++) {
    const c = svg[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return i + 1;
  }
  throw malformed('unterminated DOCTYPE in SVG');
}

interface CredentialElement {
  start: number;
  end: number;
  startTag: string;
  /** Raw markup between the start and end tags (empty when self-closing). */
  content: string;
}

/**
 * The first `<openbadges:credential>` element at or after `from`, skipping comments, CDATA
 * sections and processing instructions, so text that merely looks like the element is not taken.
 */
function findCredentialElement(svg: string, from = 0): CredentialElement | undefined {
  let i = from;
  for (;;) {
    i = svg.indexOf('<', i);
    if (i < 0) return undefined;
    if (svg.startsWith('<!--', i)) i = indexPast(svg, '-->', i + 4, 'comment');
    else if (svg.startsWith('<![CDATA[', i)) i = indexPast(svg, ']]>', i + 9, 'CDATA section');
    else if (svg.startsWith('<?', i)) i = indexPast(svg, '?>', i + 2, 'processing instruction');
    else if (svg.startsWith(`<${CREDENTIAL_ELEMENT}`, i) && isNameEnd(svg[i + CREDENTIAL_ELEMENT.length + 1])) {
      return credentialElementAt(svg, i);
    } else i++;
  }
}

function credentialElementAt(svg: string, start: number): CredentialElement {
  const startTagClose = tagEnd(svg, start);
  const startTag = svg.slice(start, startTagClose + 1);
  if (svg[startTagClose - 1] === '/') return { start, end: startTagClose + 1, startTag, content: '' };
  let i = startTagClose + 1;
  for (;;) {
    i = svg.indexOf('<', i);
    if (i < 0) throw malformed(`unterminated <${CREDENTIAL_ELEMENT}> in SVG`);
    if (svg.startsWith('<![CDATA[', i)) i = indexPast(svg, ']]>', i + 9, 'CDATA section');
    else if (svg.startsWith('<!--', i)) i = indexPast(svg, '-->', i + 4, 'comment');
    else if (svg.startsWith(`</${CREDENTIAL_ELEMENT}`, i)) {
      const end = tagEnd(svg, i) + 1;
      return { start, end, startTag, content: svg.slice(startTagClose + 1, i) };
    } else throw malformed(`unexpected markup inside <${CREDENTIAL_ELEMENT}>`);
  }
}

/** The character data of element content: CDATA sections verbatim, text with entities decoded. */
function characterData(content: string): string {
  let text = '';
  let i = 0;
  while (i < content.length) {
    const lt = content.indexOf('<', i);
    const textEnd = lt < 0 ? content.length : lt;
    text += decodeXmlEntities(content.slice(i, textEnd));
    if (lt < 0) break;
    if (content.startsWith('<![CDATA[', lt)) {
      const close = content.indexOf(']]>', lt + 9);
      text += content.slice(lt + 9, close);
      i = close + 3;
    } else {
      i = content.indexOf('-->', lt + 4) + 3; // a comment: findCredentialElement checked it is closed
    }
  }
  return text;
}

function decodeXmlEntities(text: string): string {
  return text.replace(/&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(lt|gt|amp|quot|apos));/g, (whole, hex?: string, dec?: string, name?: string) => {
    if (name) return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[name] ?? whole;
    const codePoint = hex ? Number.parseInt(hex, 16) : Number(dec);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}

function attributeValue(startTag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(startTag);
  if (!match) return undefined;
  return decodeXmlEntities(match[1] ?? match[2] ?? '');
}

/** Splits every `]]>` so that credential text cannot close the CDATA section early. */
function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/**
 * Bakes a credential into an SVG (OB 3.0 §5.3.2.1): declares `xmlns:openbadges` on the root
 * `<svg>` and puts `<openbadges:credential>` directly after its start tag — with the compact JWS
 * in a `verify` attribute for a VC-JOSE credential, or the credential JSON in CDATA for an
 * embedded proof. Existing credential elements are removed ("MUST be only one").
 *
 * @param svg - the badge image
 * @param credential - a signed credential object (baked as JSON), or a compact JWS
 * @returns the baked SVG; everything else in the image is left byte for byte as it was
 * @throws AppError (400) when `svg` is not an SVG document; TypeError (or SyntaxError, for broken
 *   JSON text) when `credential` is neither a credential nor a compact JWS
 */
export function bakeSvg(svg: string, credential: BakeableCredential): string {
  const { form, text } = credentialText(credential);
  let unbaked = svg;
  for (let old = findCredentialElement(unbaked); old; old = findCredentialElement(unbaked, old.start)) {
    unbaked = unbaked.slice(0, old.start) + unbaked.slice(old.end);
  }
  const root = rootStartTag(unbaked);
  const openTag = unbaked
    .slice(root.start, root.end)
    .replace(/\/?>$/, '')
    .replace(/\s+xmlns:openbadges\s*=\s*(?:"[^"]*"|'[^']*')/g, '');
  const element =
    form === 'jws'
      ? `<${CREDENTIAL_ELEMENT} verify="${escapeXml(text)}"></${CREDENTIAL_ELEMENT}>`
      : `<${CREDENTIAL_ELEMENT}>${cdata(text)}</${CREDENTIAL_ELEMENT}>`;
  return (
    unbaked.slice(0, root.start) +
    `${openTag} xmlns:openbadges="${OB_NAMESPACE}">` +
    element +
    (root.selfClosing ? '</svg>' : '') +
    unbaked.slice(root.end)
  );
}

/**
 * Reads the credential baked into an SVG (OB 3.0 §5.3.2.2): from the first
 * `<openbadges:credential>` element, the `verify` attribute (a compact JWS) if present, else the
 * element's text (credential JSON, CDATA unwrapped, surrounding whitespace trimmed).
 *
 * @returns the baked text, or `undefined` when the SVG carries no credential
 * @throws AppError (400) when the credential element is malformed
 */
export function unbakeSvg(svg: string): string | undefined {
  const element = findCredentialElement(svg);
  if (!element) return undefined;
  const verify = attributeValue(element.startTag, 'verify')?.trim();
  if (verify) return verify;
  const text = characterData(element.content).trim();
  return text === '' ? undefined : text;
}

// ---------------------------------------------------------------------------------------------
// Generated badge for achievements without an image.
// ---------------------------------------------------------------------------------------------

/** What a generated badge shows. */
export interface GeneratedBadgeInput {
  /** The achievement's name; wrapped over up to three lines, then cut with "…". */
  name: string;
  /** The issuing institution, set along the top of the rim. */
  issuerName: string;
  kind: 'course' | 'study_group' | 'training_hours';
  /** Hours of training, shown under the name when given. */
  hours?: number;
  /** Language of the labels; Korean unless asked otherwise. */
  lang?: 'ko' | 'en';
}

const KIND_LABELS: Record<GeneratedBadgeInput['kind'], Record<'ko' | 'en', string>> = {
  course: { ko: '수료', en: 'COMPLETION' },
  study_group: { ko: '스터디그룹', en: 'STUDY GROUP' },
  training_hours: { ko: '이수시간', en: 'TRAINING HOURS' },
};

/** Rim gradient (light, dark) and the ink used inside, one palette a kind so they tell apart at a glance. */
const KIND_COLOURS: Record<GeneratedBadgeInput['kind'], { light: string; dark: string; ink: string }> = {
  course: { light: '#3b6fd8', dark: '#1b3a8c', ink: '#1f3f95' },
  study_group: { light: '#1fa884', dark: '#0b5e4b', ink: '#0d6652' },
  training_hours: { light: '#e8952c', dark: '#a5480f', ink: '#a94c12' },
};

/** Korean first, with the fallbacks a viewer's browser is likely to have. */
const FONT_FAMILY = "'Noto Sans CJK KR', 'Noto Sans KR', NanumGothic, 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif";
const DEFAULT_FONT = 'Noto Sans CJK KR';

const SIZE = 600;
const CENTRE = SIZE / 2;
const RIM_OUTER = 292;
const FACE_RADIUS = 226;

/** Escapes the five XML specials and drops characters XML 1.0 does not allow at all. */
function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (text: string) => Array.from(graphemeSegmenter.segment(text), (s) => s.segment);

/** Hangul, kana, ideographs, full-width forms and emoji: a full em wide in Noto Sans CJK. */
const FULL_WIDTH = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u;

/** Rough advance width of one grapheme in em: enough to wrap text without font metrics. */
function graphemeWidth(g: string): number {
  if (FULL_WIDTH.test(g)) return 1;
  if (g === ' ') return 0.25;
  if (/[A-Z]/.test(g)) return 0.66;
  if (/[il.,:;'|!()]/.test(g)) return 0.3;
  return 0.56;
}

const textWidth = (text: string) => graphemes(text).reduce((sum, g) => sum + graphemeWidth(g), 0);

/** Cuts `text` to fit `maxEm`, ending it with "…"; with `always`, marks it cut even if it fits. */
function ellipsize(text: string, maxEm: number, always = false): string {
  if (!always && textWidth(text) <= maxEm) return text;
  const kept = graphemes(text);
  while (kept.length > 0 && textWidth(kept.join('') + '…') > maxEm) kept.pop();
  return kept.join('').trimEnd() + '…';
}

/**
 * Greedy wrap at spaces (Korean wraps between words, 띄어쓰기), breaking a word only when it is
 * wider than a line on its own. Returns every line; the caller decides how many to keep.
 */
function wrap(text: string, maxEm: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (textWidth(candidate) <= maxEm) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    for (const g of graphemes(word)) {
      if (line && textWidth(line + g) > maxEm) {
        lines.push(line);
        line = '';
      }
      line += g;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Narrows the wrap width as far as it goes without adding a line, so the lines come out even
 * ("Intro to Machine / Learning with / Python" becomes three lines of similar length).
 */
function balancedWrap(text: string, maxEm: number): string[] {
  const lines = wrap(text, maxEm);
  let best = lines;
  for (let width = maxEm - 0.25; width > 1; width -= 0.25) {
    const narrower = wrap(text, width);
    if (narrower.length > lines.length) break;
    best = narrower;
  }
  return best;
}

const NAME_MAX_WIDTH_PX = 350;
const NAME_FONT_SIZES = [50, 44, 38, 34];
const SMALLEST_NAME_FONT_SIZE = 34;

/**
 * The name's size and lines: two lines at a large size if it can, else three lines at the
 * largest size that holds it, else three lines at the smallest size with the last cut by "…".
 */
function layoutName(name: string): { fontSize: number; lines: string[] } {
  const wrapAt = (fontSize: number) => balancedWrap(name, NAME_MAX_WIDTH_PX / fontSize);
  for (const fontSize of NAME_FONT_SIZES.filter((size) => size >= 44)) {
    const lines = wrapAt(fontSize);
    if (lines.length <= 2) return { fontSize, lines };
  }
  for (const fontSize of NAME_FONT_SIZES) {
    const lines = wrapAt(fontSize);
    if (lines.length <= 3) return { fontSize, lines };
  }
  const fontSize = SMALLEST_NAME_FONT_SIZE;
  const [first = '', second = '', third = ''] = wrap(name, NAME_MAX_WIDTH_PX / fontSize);
  return { fontSize, lines: [first, second, ellipsize(third, NAME_MAX_WIDTH_PX / fontSize, true)] };
}

/** A small pictogram a kind, drawn in `ink`, centred on (0, 0), about 64 px across. */
function kindIcon(kind: GeneratedBadgeInput['kind'], ink: string): string {
  switch (kind) {
    case 'course': // mortarboard
      return (
        `<path d="M0 -20 L34 -6 L0 8 L-34 -6 Z" fill="${ink}"/>` +
        `<path d="M-20 2 V16 C-8 25 8 25 20 16 V2 L0 10 Z" fill="${ink}"/>` +
        `<path d="M28 -4 V14" stroke="${ink}" stroke-width="3" stroke-linecap="round"/>` +
        `<circle cx="28" cy="17" r="4" fill="${ink}"/>`
      );
    case 'study_group': // three people
      return (
        `<circle cx="-22" cy="-8" r="8" fill="${ink}" opacity="0.7"/>` +
        `<circle cx="22" cy="-8" r="8" fill="${ink}" opacity="0.7"/>` +
        `<path d="M-38 20 C-38 6 -6 6 -6 20 Z" fill="${ink}" opacity="0.7"/>` +
        `<path d="M6 20 C6 6 38 6 38 20 Z" fill="${ink}" opacity="0.7"/>` +
        `<circle cx="0" cy="-12" r="10" fill="${ink}"/>` +
        `<path d="M-20 22 C-20 2 20 2 20 22 Z" fill="${ink}"/>`
      );
    case 'training_hours': // clock
      return (
        `<circle r="22" fill="none" stroke="${ink}" stroke-width="5"/>` +
        `<path d="M0 -12 V0 L9 7" fill="none" stroke="${ink}" stroke-width="4.5" stroke-linecap="round" stroke-linejoin="round"/>`
      );
  }
}

/** A five-pointed star of outer radius `r` at (x, y), for the rim ornaments. */
function star(x: number, y: number, r: number, fill: string): string {
  const points = Array.from({ length: 10 }, (_, i) => {
    const radius = i % 2 === 0 ? r : r * 0.45;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    return `${(x + radius * Math.cos(angle)).toFixed(1)},${(y + radius * Math.sin(angle)).toFixed(1)}`;
  });
  return `<polygon points="${points.join(' ')}" fill="${fill}"/>`;
}

/**
 * A round badge image (600×600 viewBox) for an achievement without one: the issuer along the
 * top of a coloured rim, the kind (수료 / 스터디그룹 / 이수시간) along the bottom, and on the
 * white face a pictogram, the achievement name (up to three lines) and the hours.
 *
 * All text is XML-escaped, so any achievement or issuer name is safe to put in.
 *
 * @throws RangeError when `hours` is negative or not a number
 */
export function generatedBadgeSvg(input: GeneratedBadgeInput): string {
  if (input.hours !== undefined && !(Number.isFinite(input.hours) && input.hours >= 0)) {
    throw new RangeError('hours must be a non-negative number');
  }
  const lang = input.lang ?? 'ko';
  const colours = KIND_COLOURS[input.kind];
  const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();
  const name = collapse(input.name);
  const { fontSize, lines } = layoutName(name);

  const hoursText =
    input.hours === undefined
      ? undefined
      : lang === 'ko'
        ? `${new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 1 }).format(input.hours)}시간`
        : `${new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(input.hours)} ${input.hours === 1 ? 'hour' : 'hours'}`;

  // Rim text sits on circles: the issuer clockwise over the top, the kind anticlockwise under the bottom.
  const issuerSize = textWidth(collapse(input.issuerName)) * 26 <= 620 ? 26 : 22;
  const issuer = ellipsize(collapse(input.issuerName), 640 / issuerSize);
  const topArcRadius = 250;
  const bottomArcRadius = 271;
  const arc = (r: number, sweep: 0 | 1) => `M${CENTRE - r} ${CENTRE} A${r} ${r} 0 0 ${sweep} ${CENTRE + r} ${CENTRE}`;

  // The name block is centred a little below the middle, leaving the icon room above.
  const lineHeight = fontSize * 1.22;
  const blockCentre = hoursText ? 292 : 312;
  const firstBaseline = blockCentre - ((lines.length - 1) * lineHeight) / 2 + fontSize * 0.36;
  const nameLines = lines
    .map((line, i) => `<tspan x="${CENTRE}" y="${(firstBaseline + i * lineHeight).toFixed(1)}">${escapeXml(line)}</tspan>`)
    .join('');
  const lastBaseline = firstBaseline + (lines.length - 1) * lineHeight;

  const title = `${name} — ${collapse(input.issuerName)}`;
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}" width="${SIZE}" height="${SIZE}" role="img" xml:lang="${lang}">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs>`,
    `<linearGradient id="rim" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${colours.light}"/><stop offset="1" stop-color="${colours.dark}"/></linearGradient>`,
    `<radialGradient id="face" cx="0.5" cy="0.38" r="0.7"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#f1f3f7"/></radialGradient>`,
    `<path id="top-arc" d="${arc(topArcRadius, 1)}"/>`,
    `<path id="bottom-arc" d="${arc(bottomArcRadius, 0)}"/>`,
    `</defs>`,
    // rim, with a fine inner and outer line
    `<circle cx="${CENTRE}" cy="${CENTRE}" r="${RIM_OUTER}" fill="url(#rim)"/>`,
    `<circle cx="${CENTRE}" cy="${CENTRE}" r="${RIM_OUTER - 9}" fill="none" stroke="#ffffff" stroke-opacity="0.55" stroke-width="2"/>`,
    `<circle cx="${CENTRE}" cy="${CENTRE}" r="${FACE_RADIUS + 9}" fill="none" stroke="#ffffff" stroke-opacity="0.55" stroke-width="2"/>`,
    star(CENTRE - 259, CENTRE, 11, '#ffffff'),
    star(CENTRE + 259, CENTRE, 11, '#ffffff'),
    `<g font-family="${FONT_FAMILY}" fill="#ffffff" text-anchor="middle">`,
    `<text font-size="${issuerSize}" font-weight="700" letter-spacing="1"><textPath href="#top-arc" startOffset="50%">${escapeXml(issuer)}</textPath></text>`,
    `<text font-size="24" font-weight="700" letter-spacing="${lang === 'ko' ? 8 : 4}"><textPath href="#bottom-arc" startOffset="50%">${escapeXml(KIND_LABELS[input.kind][lang])}</textPath></text>`,
    `</g>`,
    // face
    `<circle cx="${CENTRE}" cy="${CENTRE}" r="${FACE_RADIUS}" fill="url(#face)"/>`,
    `<circle cx="${CENTRE}" cy="${CENTRE}" r="${FACE_RADIUS - 12}" fill="none" stroke="${colours.ink}" stroke-opacity="0.18" stroke-width="2"/>`,
    `<g transform="translate(${CENTRE} ${hoursText ? 150 : 160})">${kindIcon(input.kind, colours.ink)}</g>`,
    `<text font-family="${FONT_FAMILY}" font-size="${fontSize}" font-weight="700" fill="#1d2433" text-anchor="middle">${nameLines}</text>`,
  ];
  if (hoursText) {
    const ruleY = lastBaseline + 30;
    parts.push(
      `<path d="M${CENTRE - 40} ${ruleY.toFixed(1)} H${CENTRE + 40}" stroke="${colours.ink}" stroke-opacity="0.35" stroke-width="2" stroke-linecap="round"/>`,
      `<text x="${CENTRE}" y="${(ruleY + 44).toFixed(1)}" font-family="${FONT_FAMILY}" font-size="30" font-weight="700" fill="${colours.ink}" text-anchor="middle">${escapeXml(hoursText)}</text>`,
    );
  }
  parts.push(`</svg>`);
  return parts.join('\n');
}

/**
 * Rasterises an SVG (meant for {@link generatedBadgeSvg}'s output) to a PNG `width` px wide, with
 * system fonts so Korean renders (Debian: fonts-noto-cjk). Runs off the event loop.
 *
 * Only for SVG this service made: the renderer is not a sandbox for arbitrary uploads.
 */
export async function renderPng(svg: string, options: { width?: number } = {}): Promise<Buffer> {
  const rendered = await renderAsync(svg, {
    fitTo: { mode: 'width', value: options.width ?? SIZE },
    font: { loadSystemFonts: true, defaultFontFamily: DEFAULT_FONT, sansSerifFamily: DEFAULT_FONT },
    logLevel: 'off',
  });
  return rendered.asPng();
}
