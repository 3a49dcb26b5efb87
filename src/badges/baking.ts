/**
 * Badge images that carry their credential: Open Badges 3.0 "baking" (OB 3.0 §5.3) of a signed
 * OpenBadgeCredential into a PNG or an SVG, and reading it back out. The pages bake; the verifier
 * unbakes what an employer uploads.
 *
 * A credential is baked as one of two texts (§5.3): the JSON of a credential secured with an
 * embedded proof (Data Integrity), or the compact JWS of a VC-JOSE credential.
 */
import { inflateSync } from 'node:zlib';
import CRC32 from 'crc-32';
import { MAX_EMBEDDED_JSON_BYTES } from '../untrusted-json.js';
import { InvalidInput } from '../invalid-input.js';
import { escapeXml } from './xml.js';

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

function malformed(detail: string): InvalidInput {
  return new InvalidInput(detail, 'image');
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
 * @throws InvalidInput when `png` is not a well-formed PNG; TypeError (or SyntaxError, for broken
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
 * @throws InvalidInput when `png` is not a PNG, or the credential chunk is corrupt
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
 * @throws InvalidInput when `svg` is not an SVG document; TypeError (or SyntaxError, for broken
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
    unbaked.slice(0, root.start) + `${openTag} xmlns:openbadges="${OB_NAMESPACE}">` + element + (root.selfClosing ? '</svg>' : '') + unbaked.slice(root.end)
  );
}

/**
 * Reads the credential baked into an SVG (OB 3.0 §5.3.2.2): from the first
 * `<openbadges:credential>` element, the `verify` attribute (a compact JWS) if present, else the
 * element's text (credential JSON, CDATA unwrapped, surrounding whitespace trimmed).
 *
 * @returns the baked text, or `undefined` when the SVG carries no credential
 * @throws InvalidInput when the credential element is malformed
 */
export function unbakeSvg(svg: string): string | undefined {
  const element = findCredentialElement(svg);
  if (!element) return undefined;
  const verify = attributeValue(element.startTag, 'verify')?.trim();
  if (verify) return verify;
  const text = characterData(element.content).trim();
  return text === '' ? undefined : text;
}
