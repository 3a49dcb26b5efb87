/**
 * Images an institution gives for an achievement or for itself, checked once, when they are stored,
 * so that nothing later trips on them: every credential embeds the image's URL (a quote in it broke
 * every issue), and the PNG badge is baked from a data: PNG (one that was not a PNG broke every
 * badge download).
 *
 * - An http(s) URL must parse (WHATWG URL), name a host, and hold only the characters RFC 3986
 *   allows, without quotes: no spaces, quotes, angle brackets or other text that ends an attribute
 *   or a URL early. It is never fetched.
 * - `data:image/png;base64,…` must be a whole PNG (PNG spec, 3rd ed.): signature, IHDR first with
 *   sane dimensions, every chunk's CRC, image data that inflates to exactly the size IHDR implies,
 *   IEND last.
 * - `data:image/jpeg;base64,…` must start with the JPEG SOI marker (ITU T.81 B.1.1.3).
 * - `data:image/svg+xml;base64,…` is re-rendered here, once, with resvg to a PNG (512 px on its
 *   longer side, 256 if that is too large), and the PNG is stored instead. Chosen over sanitising:
 *   a PNG holds no script, event handler or foreignObject, and no sanitiser has to keep up with
 *   SVG. The renderer is not a sandbox (resvg reads the local file an `href` names, absolute or
 *   relative), so an SVG that refers to anything outside itself is refused before it is parsed:
 *   only `href="#id"`, `url(#id)` and embedded PNG/JPEG data (checked, bounded in size) are allowed,
 *   and no entity declarations, character references or escapes where a reference could hide.
 */
import { createInflate } from 'node:zlib';
import { renderAsync, Resvg } from '@resvg/resvg-js';
import CRC32 from 'crc-32';
import { AppError, badRequest } from './errors.js';

/** Largest image kept, decoded (a data: URI of it stays within the schema's 200,000 characters). */
export const MAX_IMAGE_BYTES = 150_000;
/** Largest side of a PNG accepted, in pixels. */
export const MAX_IMAGE_SIDE = 4096;
/** The side an SVG is rendered at (its longer side), and a smaller one if that PNG is too large. */
const RENDER_SIDES = [512, 256];
/** How much longer than wide (or wide than long) an SVG may be: a badge, not a banner. */
const MAX_ASPECT = 8;
const FONT = 'Noto Sans CJK KR';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DATA_URI = /^data:image\/(png|jpeg|svg\+xml);base64,([A-Za-z0-9+/]*={0,2})$/;

/**
 * Checks an image as given to `field`; returns what to store: the same string, or for an SVG the
 * data: URI of its PNG rendering. Throws a 400 naming `field` that says what is expected.
 */
export async function acceptImage(image: string, field = 'image'): Promise<string> {
  if (/^https?:/i.test(image)) {
    checkHttpUrl(image, field);
    return image;
  }
  const match = DATA_URI.exec(image);
  if (!match || match[2]!.length === 0 || match[2]!.length % 4 !== 0) {
    throw badRequest(`${field} must be an http(s) URL, or a data:image/png, data:image/jpeg or data:image/svg+xml URI with standard base64 content`, field);
  }
  const bytes = Buffer.from(match[2]!, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) throw badRequest(`${field} must be at most ${MAX_IMAGE_BYTES} bytes once decoded`, field);
  switch (match[1]) {
    case 'png':
      await checkPng(bytes, field);
      return image;
    case 'jpeg':
      // SOI, then the next marker's 0xFF.
      if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
        throw badRequest(`${field} claims to be a JPEG but does not start with the JPEG SOI marker (FF D8 FF)`, field);
      }
      return image;
    default:
      return `data:image/png;base64,${(await pngFromSvg(bytes, field)).toString('base64')}`;
  }
}

/** RFC 3986's characters (unreserved, reserved, percent-encodings) without the quote `'`. */
const URL_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&()*+,;=]*$/;

function checkHttpUrl(value: string, field: string): void {
  const bad = (why: string) => badRequest(`${field} must be an http(s) URL (${why})`, field);
  if (!URL_CHARACTERS.test(value.replace(/%[0-9A-Fa-f]{2}/g, ''))) {
    const found = [...value].find((c) => !URL_CHARACTERS.test(c) && c !== '%') ?? '%';
    throw bad(`it holds ${JSON.stringify(found)}: percent-encode spaces, quotes, angle brackets and non-ASCII characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('it does not parse as a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`${url.protocol} is not http: or https:`);
  if (!url.hostname || !/^https?:\/\/[^/]/i.test(value)) throw bad('it names no host');
  if (url.username || url.password) throw bad('it must not carry a user name or password');
}

/** A JPEG's frame size from its SOFn segment (ITU T.81 B.2.2), which must be within MAX_IMAGE_SIDE. */
function checkJpegSize(jpeg: Buffer, field: string, what = field): void {
  const bad = (why: string) => badRequest(`${what} claims to be a JPEG but ${why}`, field);
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw bad('does not start with the JPEG SOI marker (FF D8 FF)');
  let offset = 2;
  while (offset + 4 <= jpeg.length) {
    if (jpeg[offset] !== 0xff) throw bad('its segments do not parse');
    const marker = jpeg[offset + 1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // no length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or the end before any frame header
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (offset + 9 > jpeg.length) break;
      const height = jpeg.readUInt16BE(offset + 5);
      const width = jpeg.readUInt16BE(offset + 7);
      if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) throw bad(`its size must be 1 to ${MAX_IMAGE_SIDE} pixels a side`);
      return;
    }
    offset += 2 + length;
  }
  throw bad('has no frame header giving its size');
}

/** Channels per colour type, and the bit depths each allows (PNG spec §11.2.2, table 11.1). */
const COLOUR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Adam7 passes: first column and row, column and row steps (PNG spec §8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Bytes the image data inflates to: each row's filter byte and its pixels (PNG spec §7.2, §8.2). */
function rawSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

/** Inflates zlib data, counting the bytes; stops (false) past `expected`. */
async function inflatesTo(data: Buffer, expected: number): Promise<boolean> {
  const inflate = createInflate();
  let total = 0;
  const done = new Promise<boolean>((resolve) => {
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > expected) {
        inflate.destroy();
        resolve(false);
      }
    });
    inflate.on('error', () => resolve(false));
    inflate.on('end', () => resolve(total === expected));
    inflate.on('close', () => resolve(total === expected));
  });
  inflate.end(data);
  return done;
}

/** `what`: the image, in the problem's words (an image inside an SVG is still the field's fault). */
async function checkPng(png: Buffer, field: string, what = field): Promise<void> {
  const bad = (why: string) => badRequest(`${what} claims to be a PNG but is not a whole one: ${why}`, field);
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw bad('the PNG signature is missing');
  let offset = 8;
  let header: { width: number; height: number; bitsPerPixel: number; interlaced: boolean; colourType: number } | undefined;
  let palette = false;
  let ended = false;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    if (offset + 12 > png.length) throw bad('a chunk is cut short');
    const length = png.readUInt32BE(offset);
    if (length > png.length - offset - 12) throw bad('a chunk is cut short');
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (!/^[A-Za-z]{4}$/.test(type)) throw bad('a chunk type is not four letters');
    if (png.readUInt32BE(offset + 8 + length) !== CRC32.buf(png.subarray(offset + 4, offset + 8 + length)) >>> 0)
      throw bad(`the ${type} chunk is corrupt (CRC mismatch)`);
    offset += 12 + length;
    if (!header) {
      if (type !== 'IHDR' || length !== 13) throw bad('it does not start with IHDR');
      const width = data.readUInt32BE(0);
      const height = data.readUInt32BE(4);
      const [depth, colourType, compression, filter, interlace] = [data[8]!, data[9]!, data[10]!, data[11]!, data[12]!];
      const colour = COLOUR_TYPES[colourType];
      if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) throw bad(`its size must be 1 to ${MAX_IMAGE_SIDE} pixels a side`);
      if (!colour?.depths.includes(depth) || compression !== 0 || filter !== 0 || interlace > 1) throw bad('IHDR is not valid');
      header = { width, height, bitsPerPixel: colour.channels * depth, interlaced: interlace === 1, colourType };
    } else if (type === 'IHDR') {
      throw bad('IHDR appears twice');
    } else if (type === 'PLTE') {
      palette = true;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!header) throw bad('it has no IHDR');
  if (!ended) throw bad('it has no IEND');
  if (offset !== png.length) throw bad('bytes follow IEND');
  if (header.colourType === 3 && !palette) throw bad('an indexed-colour PNG needs a PLTE chunk');
  if (idat.length === 0) throw bad('it has no image data (IDAT)');
  if (!(await inflatesTo(Buffer.concat(idat), rawSize(header.width, header.height, header.bitsPerPixel, header.interlaced)))) {
    throw bad('its image data does not decode to the size IHDR gives');
  }
}

/** Attribute values, with the attribute's name (XML requires quotes). */
const ATTRIBUTE = /(?<=\s)([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const STYLE_ELEMENT = /<(?:[\w.-]+:)?style\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?style\s*>/gi;
/** What an href may name: a fragment of this SVG, or an embedded PNG or JPEG. */
const SAFE_HREF = /^(#[^\s]*|data:image\/(png|jpeg);base64,[A-Za-z0-9+/=\s]*)$/;
/** url(…) in CSS or a presentation attribute must point into this SVG. */
const UNSAFE_URL = /url\(\s*(?!(["']|&quot;|&apos;)?\s*#)/i;

/** Why an SVG may not be rendered (it refers to something outside itself); undefined when it may. */
function svgReferenceProblem(svg: string): string | undefined {
  if (/<!ENTITY/i.test(svg) || /<!DOCTYPE[^>]*\[/i.test(svg)) return 'must not declare entities (a DTD internal subset)';
  if (/@import/i.test(svg)) return 'must not import style sheets';
  if (UNSAFE_URL.test(svg)) return 'must not use url(…) other than url(#id) into the SVG itself';
  // What the XML parser would decode (character references, CSS escapes) is not allowed where a
  // reference could hide in it: attribute values and style sheets.
  const styles = [...svg.matchAll(STYLE_ELEMENT)].map((m) => m[1]!);
  for (const style of styles) if (/&#|\\/.test(style)) return 'must not use character references or escapes in a style sheet';
  for (const [, name, double, single] of svg.matchAll(ATTRIBUTE)) {
    const value = double ?? single ?? '';
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(value) || value.includes('\\')) return `must not use character references or escapes in attribute ${name}`;
    if (/(^|:)href$/i.test(name!) && !SAFE_HREF.test(value))
      return 'may refer only to its own elements (href="#id") or to an embedded PNG or JPEG (data:image/png or image/jpeg), not to files or URLs';
  }
  return undefined;
}

/** Renders an uploaded SVG to a PNG (its longer side RENDER_SIDES[0] px), after refusing outside references. */
async function pngFromSvg(bytes: Buffer, field: string): Promise<Buffer> {
  const bad = (why: string) => badRequest(`${field} is an SVG that ${why}`, field);
  let svg: string;
  try {
    svg = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad('is not UTF-8 text');
  }
  const problem = svgReferenceProblem(svg);
  if (problem) throw bad(problem);
  // The renderer decodes embedded images: each must be whole and of a bounded size.
  for (const [, type, data] of svg.matchAll(/data:image\/(png|jpeg);base64,([A-Za-z0-9+/=\s]*)/g)) {
    const embedded = Buffer.from(data!.replace(/\s/g, ''), 'base64');
    const what = `an image embedded in the SVG of ${field}`;
    if (type === 'png') await checkPng(embedded, field, what);
    else checkJpegSize(embedded, field, what);
  }
  let size: { width: number; height: number };
  try {
    const tree = new Resvg(svg, { logLevel: 'off', font: { loadSystemFonts: false } });
    // Nothing left to fetch: resvg lists the http(s) images it would need.
    if (tree.imagesToResolve().length > 0) throw bad('may refer only to its own elements or to embedded PNG or JPEG images');
    size = { width: tree.width, height: tree.height };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw bad(
      `cannot be read (${String((error as Error).message).replace(/^SVG data parsing failed cause /, '')}); send a well-formed SVG with xmlns="http://www.w3.org/2000/svg"`,
    );
  }
  if (!(size.width > 0 && size.height > 0)) throw bad('has no size (give it a width and height or a viewBox)');
  if (Math.max(size.width, size.height) > MAX_ASPECT * Math.min(size.width, size.height))
    throw bad(`must be at most ${MAX_ASPECT} times as long as it is wide`);
  // Text is drawn with the system fonts, as the generated badges are; loading them only when needed.
  const font = /<(?:[\w.-]+:)?text\b/i.test(svg) ? { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT } : { loadSystemFonts: false };
  for (const side of RENDER_SIDES) {
    const fitTo = size.width >= size.height ? ({ mode: 'width', value: side } as const) : ({ mode: 'height', value: side } as const);
    let png: Buffer;
    try {
      png = (await renderAsync(svg, { fitTo, font, logLevel: 'off' })).asPng();
    } catch (error) {
      throw bad(`cannot be rendered (${(error as Error).message})`);
    }
    if (png.length <= MAX_IMAGE_BYTES) return png;
  }
  throw bad(`renders to a PNG of more than ${MAX_IMAGE_BYTES} bytes even at ${RENDER_SIDES.at(-1)} px; send a simpler image, or a PNG`);
}
