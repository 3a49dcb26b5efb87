import { describe, expect, it } from 'vitest';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { qrPng, qrSvg } from '../../src/pages/qr.js';

// jsqr is CommonJS with an ES-style `export default` in its typings: the function is `.default`.
const jsQR = jsQRModule.default;

const CREDENTIAL_URL = 'https://badges.example.kr/c/0b7c6a52-3c5e-4a6e-9d55-1b2f7f1c9e10';

function decodeQr(png: Buffer): { text: string | undefined; width: number; height: number } {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  return { text: found?.data, width: image.width, height: image.height };
}

describe('qrPng', () => {
  it('decodes back to the credential URL and is big enough for a screen', async () => {
    const { text, width, height } = decodeQr(await qrPng(CREDENTIAL_URL));
    expect(text).toBe(CREDENTIAL_URL);
    expect(width).toBeGreaterThanOrEqual(300);
    expect(height).toBe(width);
  });

  it('never goes below 300 px, even when asked for a tiny scale', async () => {
    const { text, width } = decodeQr(await qrPng(CREDENTIAL_URL, { scale: 1 }));
    expect(width).toBeGreaterThanOrEqual(300);
    expect(text).toBe(CREDENTIAL_URL);
  });

  it('uses whole pixels per module, quiet zone included', async () => {
    const modules = QRCode.create(CREDENTIAL_URL, { errorCorrectionLevel: 'Q' }).modules.size;
    const { width } = decodeQr(await qrPng(CREDENTIAL_URL, { scale: 10 }));
    expect(width).toBe((modules + 8) * 10);
  });

  it('encodes at error-correction level Q (this URL needs version 6 at Q, 5 at M)', async () => {
    const png = PNG.sync.read(await qrPng(CREDENTIAL_URL));
    const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    const versionAt = (level: 'M' | 'Q') => QRCode.create(CREDENTIAL_URL, { errorCorrectionLevel: level }).version;
    expect(versionAt('Q')).not.toBe(versionAt('M'));
    expect(found?.version).toBe(versionAt('Q'));
  });
});

describe('qrSvg', () => {
  it('is an SVG with a viewBox and a printable physical size', async () => {
    const svg = await qrSvg(CREDENTIAL_URL);
    expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
    expect(svg).toMatch(/viewBox="0 0 (\d+) \1"/);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toMatch(/^<svg width="30mm" height="30mm"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('keeps the 4-module quiet zone: the dark modules start 4 modules in', async () => {
    const svg = await qrSvg(CREDENTIAL_URL, { sizeMm: 40 });
    expect(svg).toContain('width="40mm"');
    const modules = QRCode.create(CREDENTIAL_URL, { errorCorrectionLevel: 'Q' }).modules.size;
    expect(svg).toContain(`viewBox="0 0 ${modules + 8} ${modules + 8}"`);
    // the first dark run is the top-left finder pattern, at (4, 4)
    expect(svg).toMatch(/stroke="#000000" d="M4 4\.5h7/);
  });
});
