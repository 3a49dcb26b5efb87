/**
 * A generated round badge for achievements that have no image of their own, and its rendering to
 * PNG.
 */
import { renderAsync } from '@resvg/resvg-js';
import { escapeXml } from './xml.js';

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
  const nameLines = lines.map((line, i) => `<tspan x="${CENTRE}" y="${(firstBaseline + i * lineHeight).toFixed(1)}">${escapeXml(line)}</tspan>`).join('');
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
