/** Reading a certificate PDF as a person would: its text (pdftotext), its picture (pdftoppm) and its QR (jsQR). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with an ES-style `export default` in its typings: the function is `.default`.
const jsQR = jsQRModule.default;

/** Where the pictures a person looks at are kept (gitignored); written by the PGlite run only, so two runs never race. */
export const KEPT_DIR = path.resolve('.tmp/certificates');

export interface ReadPdf {
  pages: number;
  /** pdftotext's text in content order (-raw: the rotated stamp reads as lines), whitespace removed (a spaced title reads as one word). */
  compact: string;
  text: string;
  png: Buffer;
  qr: string | null;
}

/** Renders page 1 at 150 dpi, extracts the text, decodes the QR; keeps the PNG as `keepAs` when given. */
export function readPdf(pdf: Buffer, keepAs?: string): ReadPdf {
  const dir = mkdtempSync(path.join(tmpdir(), 'ieum-cert-'));
  try {
    const file = path.join(dir, 'c.pdf');
    writeFileSync(file, pdf);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
    const text = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', '-f', '1', file, path.join(dir, 'page')]);
    const png = readFileSync(path.join(dir, 'page.png'));
    const image = PNG.sync.read(png);
    const qr = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data ?? null;
    if (keepAs && process.env.IEUM_TEST_DB !== 'postgres') {
      mkdirSync(KEPT_DIR, { recursive: true });
      writeFileSync(path.join(KEPT_DIR, `${keepAs}.png`), png);
      writeFileSync(path.join(KEPT_DIR, `${keepAs}.pdf`), pdf);
    }
    return { pages, text, compact: text.replace(/\s+/g, ''), png, qr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const compact = (s: string) => s.replace(/\s+/g, '');
/** Whether the PDF's text holds `s` (whitespace ignored on both sides). */
export const holds = (read: ReadPdf, s: string) => read.compact.includes(compact(s));

export const dataUri = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** A red square seal (직인) with four Hangul syllables, as institutions' seals look. */
export function sealPng(): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">
    <rect x="12" y="12" width="216" height="216" rx="12" fill="none" stroke="#c4161c" stroke-width="12"/>
    <text x="120" y="110" font-size="80" text-anchor="middle" fill="#c4161c" font-family="Noto Serif CJK KR" font-weight="bold">개발</text>
    <text x="120" y="198" font-size="80" text-anchor="middle" fill="#c4161c" font-family="Noto Serif CJK KR" font-weight="bold">원인</text></svg>`;
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng());
}

/** A wide logo: two circles and the institution's short name. */
export function logoPng(): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="120" viewBox="0 0 480 120">
    <circle cx="60" cy="60" r="46" fill="#2a6f97"/><circle cx="86" cy="60" r="46" fill="#f4a261" fill-opacity="0.85"/>
    <text x="152" y="78" font-size="50" fill="#1d3557" font-family="Noto Sans CJK KR" font-weight="bold">서울여성</text></svg>`;
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng());
}

/** A plain PNG of a size (pngjs), in the colour type asked for. */
export function plainPng(width: number, height: number, options: { colorType?: 0 | 2 | 4 | 6; bitDepth?: 8 | 16 } = {}): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(0x80);
  return PNG.sync.write(png, { colorType: options.colorType ?? 6, bitDepth: options.bitDepth ?? 8, inputHasAlpha: true });
}
