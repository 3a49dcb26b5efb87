/**
 * QR codes that point at a credential's public page, for printed certificates (SVG) and for
 * screens and résumés (PNG).
 *
 * Error correction is 'Q' (~25 % of the symbol recoverable): a printed certificate gets folded,
 * stamped and photocopied, and 'Q' survives that at a modest cost in size. The quiet zone is the
 * 4 modules ISO/IEC 18004 asks for; scanners miss codes whose quiet zone is eaten by a border.
 */
/** qrcode (and pngjs under it) loads with the first code drawn, not at start (issue 24). */
const loadQrCode = async () => (await import('qrcode')).default;

const ERROR_CORRECTION = 'Q';
/** Modules of light margin on every side (ISO/IEC 18004 §5.3.8 minimum). */
const QUIET_ZONE_MODULES = 4;
/** Printed edge length: ~0.6 mm a module for a typical credential URL, easy for any phone camera. */
const DEFAULT_PRINT_SIZE_MM = 30;
/** Smallest PNG we hand out: below this, a QR shown on a screen and photographed gets unreliable. */
const MIN_PNG_PX = 300;
/** Default PNG edge when the caller does not ask for a scale. */
const DEFAULT_PNG_PX = 512;

/**
 * An SVG QR code for `url`, error correction 'Q', with a 4-module quiet zone.
 *
 * The SVG carries a `viewBox` (so it scales cleanly inside a page or a PDF) and a physical size in
 * millimetres (so a standalone file prints at a scannable size).
 *
 * @param url - the text to encode, normally the credential's public URL
 * @param options.sizeMm - printed edge length in millimetres (default 30)
 */
export async function qrSvg(url: string, options: { sizeMm?: number } = {}): Promise<string> {
  const sizeMm = options.sizeMm ?? DEFAULT_PRINT_SIZE_MM;
  if (!(sizeMm > 0 && Number.isFinite(sizeMm))) throw new RangeError('sizeMm must be a positive number');
  const QRCode = await loadQrCode();
  const svg = await QRCode.toString(url, {
    type: 'svg',
    errorCorrectionLevel: ERROR_CORRECTION,
    margin: QUIET_ZONE_MODULES,
  });
  // qrcode emits only a viewBox; add a physical size without touching the drawing.
  return svg.replace(/^<svg\b/, `<svg width="${sizeMm}mm" height="${sizeMm}mm"`);
}

/**
 * A PNG QR code for `url`, error correction 'Q', with a 4-module quiet zone, at least 300 px wide.
 *
 * Every module is a whole number of pixels (no blurry half-pixel edges); the default is the
 * smallest whole scale that reaches about 512 px.
 *
 * @param url - the text to encode, normally the credential's public URL
 * @param options.scale - pixels per module; raised if it would make the image smaller than 300 px
 */
export async function qrPng(url: string, options: { scale?: number } = {}): Promise<Buffer> {
  const QRCode = await loadQrCode();
  const modulesAcross = QRCode.create(url, { errorCorrectionLevel: ERROR_CORRECTION }).modules.size + 2 * QUIET_ZONE_MODULES;
  const minimumScale = Math.ceil(MIN_PNG_PX / modulesAcross);
  const requestedScale = options.scale ?? Math.ceil(DEFAULT_PNG_PX / modulesAcross);
  if (!(requestedScale > 0 && Number.isFinite(requestedScale))) throw new RangeError('scale must be a positive number');
  const scale = Math.max(minimumScale, Math.round(requestedScale));
  return QRCode.toBuffer(url, {
    type: 'png',
    errorCorrectionLevel: ERROR_CORRECTION,
    margin: QUIET_ZONE_MODULES,
    scale,
  });
}
