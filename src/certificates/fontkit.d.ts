// fontkit ships no types: what src/certificates uses of it (pdfkit draws with the font).
declare module 'fontkit' {
  /** A parsed font; pdfkit embeds a subset of it per document. */
  export interface Font {
    postscriptName: string;
    /** `features`: an array of OpenType feature tags to add, or an object turning each on or off. */
    layout(text: string, features?: unknown): unknown;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font | { fonts: Font[] };
}
