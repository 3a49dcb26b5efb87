/**
 * The printable certificate as a PDF: one A4 portrait page, drawn with pdfkit, with Noto Sans KR
 * (SIL OFL 1.1, from the npm package @expo-google-fonts/noto-sans-kr) embedded as a subset of the
 * glyphs used. Pure: facts in, bytes out; no database, no HTTP, no browser
 * (docs/decisions/certificates.md).
 *
 * One design per kind of achievement: 수료증 (course), 참여확인서 (study group: role, attendance),
 * 교육이수확인서 (training hours: the year's total and period). A revoked, suspended or expired
 * credential is never printed clean: a large stamp with the state, its date and reason lies across
 * the body, and a line at the top says the certificate does not hold.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { formatCertificateNumber } from './certificate-number.js';

export type CertificateLang = 'ko' | 'en';
export type CertificateKind = 'course' | 'study_group' | 'training_hours';

/** Why the certificate no longer holds; `at` is when that became so. */
export interface CertificateStamp {
  state: 'revoked' | 'suspended' | 'expired';
  at: Date;
  reason?: string | null;
}

/** Everything drawn, already in the certificate's language (names fall back to Korean). Dates: YYYY-MM-DD. */
export interface CertificateContent {
  kind: CertificateKind;
  lang: CertificateLang;
  number: { year: number; serial: number };
  learner: string;
  achievement: string;
  hours?: number;
  requiredHours?: number;
  /** training_hours: the year the hours were earned in. */
  term?: string;
  period?: { start?: string; end?: string };
  issuedOn: string;
  role?: string;
  studyGroup?: { name: string; topic?: string; attended?: number; total?: number };
  /** Results other than attendance (a grade, a level). */
  results?: string[];
  institution: { name: string; signatory?: { name: string; title: string }; logo?: Uint8Array; seal?: Uint8Array };
  /** The credential's page: the QR's content, printed under it. */
  url: string;
  stamp?: CertificateStamp;
}

// ---- fonts -------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);

/**
 * OpenType features applied: kerning only. Names and words come in NFC (src/text.ts), so Hangul is
 * drawn from precomposed syllables and needs none of the shaping features (jamo composition,
 * contextual forms, marks, ligatures), which took most of a render's time.
 */
const FEATURES: Record<string, boolean> = Object.fromEntries(
  ['ccmp', 'locl', 'rlig', 'mark', 'mkmk', 'calt', 'clig', 'liga', 'rclt', 'curs', 'ljmo', 'vjmo', 'tjmo'].map((f) => [f, false]),
);

/** The parsed fonts, shared by every PDF: parsing a 6 MB font per document cost most of its time. */
let fonts: { regular: fontkit.Font; bold: fontkit.Font } | undefined;

/** Read once, on the first certificate; each PDF embeds only the glyphs it uses. */
function loadFonts(): { regular: fontkit.Font; bold: fontkit.Font } {
  const open = (file: string) => {
    const font = fontkit.create(readFileSync(require.resolve(`@expo-google-fonts/noto-sans-kr/${file}`))) as fontkit.Font;
    const layout = font.layout.bind(font);
    font.layout = (text: string, features?: unknown) => layout(text, features ?? FEATURES);
    return font;
  };
  fonts ??= { regular: open('400Regular/NotoSansKR_400Regular.ttf'), bold: open('700Bold/NotoSansKR_700Bold.ttf') };
  return fonts;
}

// ---- words -------------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function formatDate(day: string, lang: CertificateLang): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return lang === 'ko' ? `${y}년 ${m}월 ${d}일` : `${d} ${MONTHS[m - 1]} ${y}`;
}

/** A moment in Seoul (+09:00, no daylight saving): its date and time, with the zone said. */
function formatMoment(at: Date, lang: CertificateLang): string {
  const seoul = new Date(at.getTime() + 9 * 3_600_000).toISOString();
  return `${formatDate(seoul.slice(0, 10), lang)} ${seoul.slice(11, 16)} (KST)`;
}

function formatPeriod(period: CertificateContent['period'], lang: CertificateLang): string | undefined {
  if (!period?.start && !period?.end) return undefined;
  if (period.start && period.end && period.start !== period.end)
    return `${formatDate(period.start, lang)} ${lang === 'ko' ? '~' : '–'} ${formatDate(period.end, lang)}`;
  return formatDate((period.start ?? period.end)!, lang);
}

const formatNumber = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100));
const hoursText = (n: number, lang: CertificateLang) => (lang === 'ko' ? `${formatNumber(n)}시간` : `${formatNumber(n)} ${n === 1 ? 'hour' : 'hours'}`);

const WORDS = {
  ko: {
    title: { course: '수료증', study_group: '참여확인서', training_hours: '교육이수확인서' },
    other: { course: 'CERTIFICATE OF COMPLETION', study_group: 'CERTIFICATE OF PARTICIPATION', training_hours: 'CERTIFICATE OF TRAINING HOURS' },
    name: '성명',
    programme: { course: '과정명', study_group: '활동명', training_hours: '교육명' },
    period: { course: '교육기간', study_group: '활동기간', training_hours: '교육기간' },
    hours: '교육시간',
    totalHours: '이수시간',
    year: '이수연도',
    results: '성적',
    group: '스터디그룹',
    topic: '주제',
    role: '역할',
    attendance: '참여',
    attended: (attended: number, total?: number) => (total !== undefined ? `전체 ${total}회 중 ${attended}회 참여` : `${attended}회 참여`),
    total: (total: number, required?: number) => `총 ${hoursText(total, 'ko')}${required !== undefined ? ` (기준 ${hoursText(required, 'ko')})` : ''}`,
    yearOf: (term: string) => (/^\d{4}$/.test(term) ? `${term}년` : term),
    body: {
      course: () => '위 사람은 위 교육과정을 성실히 이수하였으므로 이 증서를 수여합니다.',
      study_group: () => '위 사람은 위 스터디그룹 활동에 성실히 참여하였음을 확인합니다.',
      training_hours: (c: CertificateContent) =>
        c.hours !== undefined
          ? `위 사람은 ${c.term ? `${WORDS.ko.yearOf(c.term)}도 ` : ''}직무교육을 위와 같이 총 ${hoursText(c.hours, 'ko')} 이수하였음을 확인합니다.`
          : '위 사람은 위와 같이 직무교육을 이수하였음을 확인합니다.',
    },
    verify: '진위 확인',
    verifyText:
      '이 증명서는 Open Badges 3.0 디지털 배지로 발급되었습니다. QR 코드를 스캔하거나 그 아래의 주소를 열면 발급기관의 전자서명과 취소·정지 여부를 확인할 수 있습니다.',
    stamp: { revoked: '취소됨', suspended: '정지됨', expired: '만료됨' },
    stampOther: { revoked: 'REVOKED', suspended: 'SUSPENDED', expired: 'EXPIRED' },
    stampWhen: {
      revoked: (at: string) => `${at} 발급기관이 취소함`,
      suspended: (at: string) => `${at} 발급기관이 효력을 정지함`,
      expired: (at: string) => `${at} 유효기간 만료`,
    },
    banner: {
      revoked: '이 증명서는 효력이 없습니다: 발급기관이 취소했습니다.',
      suspended: '이 증명서는 효력이 정지되었습니다.',
      expired: '이 증명서는 유효기간이 지났습니다.',
    },
    reason: '사유',
  },
  en: {
    title: { course: 'Certificate of Completion', study_group: 'Certificate of Participation', training_hours: 'Certificate of Training Hours' },
    other: { course: '수료증', study_group: '참여확인서', training_hours: '교육이수확인서' },
    name: 'Name',
    programme: { course: 'Programme', study_group: 'Activity', training_hours: 'Training' },
    period: { course: 'Period', study_group: 'Period', training_hours: 'Period' },
    hours: 'Hours',
    totalHours: 'Hours',
    year: 'Year',
    results: 'Result',
    group: 'Study group',
    topic: 'Topic',
    role: 'Role',
    attendance: 'Attendance',
    attended: (attended: number, total?: number) =>
      total !== undefined ? `${attended} of ${total} sessions` : `${attended} ${attended === 1 ? 'session' : 'sessions'}`,
    total: (total: number, required?: number) =>
      `${hoursText(total, 'en')} in total${required !== undefined ? ` (required: ${hoursText(required, 'en')})` : ''}`,
    yearOf: (term: string) => term,
    body: {
      course: (c: CertificateContent) => `This is to certify that ${c.learner} has successfully completed the programme above.`,
      study_group: (c: CertificateContent) => `This is to certify that ${c.learner} took part in the study group above.`,
      training_hours: (c: CertificateContent) =>
        c.hours !== undefined
          ? `This is to certify that ${c.learner} completed ${hoursText(c.hours, 'en')} of job training${c.term ? ` in ${c.term}` : ''}, as set out above.`
          : `This is to certify that ${c.learner} completed the job training set out above.`,
    },
    verify: 'Verify',
    verifyText:
      "Issued as an Open Badges 3.0 digital credential. Scan the QR code or open the address under it to check the issuer's digital signature and whether this certificate has been revoked or suspended.",
    stamp: { revoked: 'REVOKED', suspended: 'SUSPENDED', expired: 'EXPIRED' },
    stampOther: { revoked: '취소됨', suspended: '정지됨', expired: '만료됨' },
    stampWhen: {
      revoked: (at: string) => `Revoked by the issuer on ${at}`,
      suspended: (at: string) => `Suspended by the issuer on ${at}`,
      expired: (at: string) => `Expired on ${at}`,
    },
    banner: {
      revoked: 'This certificate is void: the issuer has revoked it.',
      suspended: 'This certificate is suspended by its issuer.',
      expired: 'This certificate has expired.',
    },
    reason: 'Reason',
  },
} as const;

// ---- layout ------------------------------------------------------------------------------------

/** A4 in PDF points (ISO 216: 210 × 297 mm). */
const PAGE = { width: 595.28, height: 841.89 };
const MM = 72 / 25.4;
const INK = '#1a1a1a';
const MUTED = '#5b5b5b';
const GOLD = '#a8875a';
const RED = '#c0262d';
/** One colour per kind, so a glance tells a participation from a completion. */
const ACCENT: Record<CertificateKind, string> = { course: '#1d3557', study_group: '#1f5a4a', training_hours: '#6b2737' };
/** Printed QR edge: 30 mm with its 4-module quiet zone, as src/pages/qr.ts prints; error correction Q. */
const QR_SIZE = 30 * MM;
/** Where the issue date stands unless the rows above push it down. */
const DATE_Y = 540;
/** The width of the certifying sentence. */
const BODY_WIDTH = PAGE.width - 2 * 96;
/** The seal's printed edge: 20 mm, about the size of an institution's 직인. */
const SEAL = 20 * MM;

type Doc = PDFKit.PDFDocument;

/** Lines of `text` within `width`: broken at spaces, and inside a word only when it cannot fit alone. */
function wrap(doc: Doc, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (doc.widthOfString(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    // A word wider than the line (a long URL, a name without spaces) is broken where it must be.
    let rest = word;
    while (doc.widthOfString(rest) > width) {
      let cut = rest.length - 1;
      while (cut > 1 && doc.widthOfString(rest.slice(0, cut)) > width) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines;
}

/** At most `max` lines; the last one ends in an ellipsis if the text runs on. */
function clamp(doc: Doc, lines: string[], width: number, max: number): string[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max);
  let last = `${kept[max - 1]}…`;
  while (last.length > 1 && doc.widthOfString(last) > width) last = `${last.slice(0, -2)}…`;
  kept[max - 1] = last;
  return kept;
}

/** The largest size from `size` down to `min` at which `text` fits on one line of `width`. */
function fitSize(doc: Doc, text: string, size: number, min: number, width: number, characterSpacing = 0): number {
  let s = size;
  while (s > min && doc.fontSize(s).widthOfString(text, { characterSpacing }) > width) s -= 0.5;
  return s;
}

function centred(doc: Doc, text: string, y: number, options: { characterSpacing?: number } = {}): void {
  const width = doc.widthOfString(text, options);
  doc.text(text, (PAGE.width - width) / 2, y, { lineBreak: false, ...options });
}

function frame(doc: Doc, accent: string): void {
  const outer = 22;
  const inner = 30;
  doc
    .lineWidth(2.4)
    .strokeColor(accent)
    .rect(outer, outer, PAGE.width - 2 * outer, PAGE.height - 2 * outer)
    .stroke();
  doc
    .lineWidth(0.7)
    .strokeColor(GOLD)
    .rect(inner, inner, PAGE.width - 2 * inner, PAGE.height - 2 * inner)
    .stroke();
  // Corner brackets inside the inner line.
  const c = 38;
  const arm = 26;
  doc.lineWidth(1.4).strokeColor(GOLD);
  for (const [x, y, dx, dy] of [
    [c, c, 1, 1],
    [PAGE.width - c, c, -1, 1],
    [c, PAGE.height - c, 1, -1],
    [PAGE.width - c, PAGE.height - c, -1, -1],
  ] as const) {
    doc
      .moveTo(x + dx * arm, y)
      .lineTo(x, y)
      .lineTo(x, y + dy * arm)
      .stroke();
    doc
      .rect(x + dx * 5 - 2, y + dy * 5 - 2, 4, 4)
      .fillColor(GOLD)
      .fill();
  }
}

/** The QR of `url`, drawn as vector squares (sharp at any print size), 4-module quiet zone. */
function qr(doc: Doc, url: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: 'Q' });
  const n = modules.size;
  const m = size / (n + 8);
  doc.rect(x, y, size, size).fillColor('#ffffff').fill();
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && modules.get(row, col)) col++;
      // A hair of overlap so that rasterisers leave no seams between rows.
      doc.rect(x + (start + 4) * m, y + (row + 4) * m, (col - start) * m, m + 0.05);
    }
  }
  doc.fillColor('#000000').fill();
}

const ROW = { labelX: 96, valueX: 196 };
const ROW_WIDTH = PAGE.width - ROW.valueX - 84;

/** Type sizes and spacing of the rows and the sentence under them; the compact one when the roomy one does not fit. */
const DENSITIES = [
  { size: 14, line: 21, gap: 15, bodySize: 14, bodyLine: 25, bodyGap: 22 },
  { size: 13, line: 18.5, gap: 9, bodySize: 13, bodyLine: 21, bodyGap: 14 },
] as const;
type Density = (typeof DENSITIES)[number];

interface Block {
  density: Density;
  rows: { label: string; lines: string[] }[];
  body: string[];
  height: number;
}

/** The label and value rows and the sentence, laid out at `density`: each one's lines, and their height. */
function layoutBlock(doc: Doc, items: [string, string, number?][], sentence: string, density: Density): Block {
  doc.font('regular').fontSize(density.size);
  const rows = items.map(([label, value, maxLines = 1]) => ({ label, lines: clamp(doc, wrap(doc, value, ROW_WIDTH), ROW_WIDTH, maxLines) }));
  const rowsHeight = rows.reduce((sum, row) => sum + Math.max(1, row.lines.length) * density.line + density.gap, 0);
  doc.fontSize(density.bodySize);
  const body = clamp(doc, wrap(doc, sentence, BODY_WIDTH), BODY_WIDTH, 4);
  return { density, rows, body, height: rowsHeight + density.bodyGap + body.length * density.bodyLine };
}

function drawBlock(doc: Doc, block: Block, top: number, accent: string): void {
  const d = block.density;
  let y = top;
  for (const { label, lines } of block.rows) {
    doc.font('bold').fontSize(11.5).fillColor(accent);
    doc.text(label, ROW.labelX, y + 2, { lineBreak: false });
    doc.font('regular').fontSize(d.size).fillColor(INK);
    for (const [i, line] of lines.entries()) doc.text(line, ROW.valueX, y + i * d.line, { lineBreak: false });
    y += Math.max(1, lines.length) * d.line + d.gap;
    doc
      .lineWidth(0.4)
      .strokeColor('#d9d4cb')
      .moveTo(ROW.labelX, y - d.gap / 2 - 1)
      .lineTo(ROW.valueX + ROW_WIDTH, y - d.gap / 2 - 1)
      .stroke();
  }
  y += d.bodyGap;
  doc.font('regular').fontSize(d.bodySize).fillColor(INK);
  for (const line of block.body) {
    centred(doc, line, y);
    y += d.bodyLine;
  }
}

function details(c: CertificateContent): [string, string, number?][] {
  const w = WORDS[c.lang];
  const items: [string, string, number?][] = [[w.name, c.learner]];
  const period = formatPeriod(c.period, c.lang);
  switch (c.kind) {
    case 'course':
      items.push([w.programme.course, c.achievement, 3]);
      if (period) items.push([w.period.course, period]);
      if (c.hours !== undefined) items.push([w.hours, hoursText(c.hours, c.lang)]);
      if (c.results && c.results.length > 0) items.push([w.results, c.results.join(' · '), 2]);
      break;
    case 'study_group':
      items.push([w.programme.study_group, c.achievement, 2]);
      if (c.studyGroup) {
        items.push([w.group, c.studyGroup.name, 2]);
        if (c.studyGroup.topic) items.push([w.topic, c.studyGroup.topic, 2]);
      }
      if (c.role) items.push([w.role, c.role]);
      if (period) items.push([w.period.study_group, period]);
      if (c.studyGroup?.attended !== undefined) items.push([w.attendance, w.attended(c.studyGroup.attended, c.studyGroup.total)]);
      if (c.hours !== undefined) items.push([w.hours, hoursText(c.hours, c.lang)]);
      break;
    case 'training_hours':
      items.push([w.programme.training_hours, c.achievement, 2]);
      if (c.term) items.push([w.year, w.yearOf(c.term)]);
      if (c.hours !== undefined) items.push([w.totalHours, w.total(c.hours, c.requiredHours)]);
      if (period) items.push([w.period.training_hours, period]);
      break;
  }
  return items;
}

function stamp(doc: Doc, c: CertificateContent, s: CertificateStamp): void {
  const w = WORDS[c.lang];
  const cx = PAGE.width / 2;
  const cy = 470;
  const width = 420;
  const big = w.stamp[s.state];
  const bigSize = c.lang === 'ko' ? 58 : 50;
  const spacing = c.lang === 'ko' ? 14 : 4;
  const other = w.stampOther[s.state];
  // The lines under the state: when and by whom, and the reason (at most two lines).
  doc.font('regular').fontSize(11.5);
  const lines = [w.stampWhen[s.state](formatMoment(s.at, c.lang))];
  if (s.reason) lines.push(...clamp(doc, wrap(doc, `${w.reason}: ${s.reason}`, width - 60), width - 60, 2));
  const otherTop = 14 + bigSize * 1.25;
  const linesTop = otherTop + 30;
  const height = linesTop + lines.length * 16 + 20;
  const left = cx - width / 2;
  const top = cy - height / 2;
  doc.save();
  doc.rotate(-14, { origin: [cx, cy] });
  // Paler paper under the stamp: what it covers stays legible, but never looks clean.
  doc.fillOpacity(0.8).rect(left, top, width, height).fillColor('#ffffff').fill();
  doc.fillOpacity(1).strokeOpacity(0.9);
  doc.lineWidth(5).strokeColor(RED).roundedRect(left, top, width, height, 10).stroke();
  doc
    .lineWidth(1.5)
    .roundedRect(left + 9, top + 9, width - 18, height - 18, 6)
    .stroke();
  doc.fillColor(RED).fillOpacity(0.92).font('bold').fontSize(bigSize);
  doc.text(big, cx - doc.widthOfString(big, { characterSpacing: spacing }) / 2, top + 14, { lineBreak: false, characterSpacing: spacing });
  doc.fontSize(15);
  doc.text(other, cx - doc.widthOfString(other, { characterSpacing: 3 }) / 2, top + otherTop, { lineBreak: false, characterSpacing: 3 });
  doc.font('regular').fontSize(11.5);
  lines.forEach((line, i) => {
    doc.text(line, cx - doc.widthOfString(line) / 2, top + linesTop + i * 16, { lineBreak: false });
  });
  doc.restore();
}

/**
 * The certificate as PDF bytes. The same content draws the same page (the document's dates are the
 * certificate's own, not the time of drawing); the bytes may differ in the order of the image
 * objects, which pdfkit writes as their decoding finishes, so the route's ETag is a weak one.
 */
export async function renderCertificatePdf(c: CertificateContent): Promise<Buffer> {
  const w = WORDS[c.lang];
  const accent = ACCENT[c.kind];
  const { regular, bold } = loadFonts();
  const number = formatCertificateNumber(c.number, c.lang);
  const fixedDate = c.stamp?.at ?? new Date(`${c.issuedOn}T00:00:00+09:00`);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    lang: c.lang === 'ko' ? 'ko-KR' : 'en',
    displayTitle: true,
    info: {
      Title: `${w.title[c.kind]} ${number} — ${c.learner}`,
      Author: c.institution.name,
      Subject: c.achievement,
      Keywords: c.url,
      Creator: 'Ieum (이음)',
      Producer: 'Ieum (이음)',
      CreationDate: fixedDate,
      ModDate: fixedDate,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  // pdfkit takes a parsed fontkit font as it takes a file (PDFFontFactory.open); its types know only files.
  doc.registerFont('regular', regular as unknown as Buffer);
  doc.registerFont('bold', bold as unknown as Buffer);

  frame(doc, accent);

  // The state before anything else: a cropped or folded copy still shows it.
  if (c.stamp) {
    doc
      .font('bold')
      .fontSize(fitSize(doc, w.banner[c.stamp.state], 11, 7, PAGE.width - 120))
      .fillColor(RED);
    centred(doc, w.banner[c.stamp.state], 40);
  }

  doc.font('regular').fontSize(10.5).fillColor(INK);
  doc.text(`${c.lang === 'ko' ? '발급번호' : 'Certificate'} ${number}`, 56, 58, { lineBreak: false });

  let y = 84;
  if (c.institution.logo) {
    doc.image(Buffer.from(c.institution.logo), (PAGE.width - 150) / 2, y, { fit: [150, 46], align: 'center', valign: 'center' });
    y += 56;
  } else {
    y += 24;
  }

  // The title.
  const title = w.title[c.kind];
  doc.font('bold').fillColor(accent);
  const titleSpacing = c.lang === 'ko' ? (title.length <= 3 ? 22 : 10) : 0.5;
  doc.fontSize(fitSize(doc, title, c.lang === 'ko' ? 40 : 30, 20, PAGE.width - 140, titleSpacing));
  centred(doc, title, y, { characterSpacing: titleSpacing });
  y += c.lang === 'ko' ? 60 : 46;
  doc.font('regular').fontSize(9.5).fillColor(GOLD);
  centred(doc, w.other[c.kind], y, { characterSpacing: c.lang === 'ko' ? 2.5 : 4 });
  y += 22;
  doc
    .lineWidth(0.8)
    .strokeColor(GOLD)
    .moveTo(PAGE.width / 2 - 60, y)
    .lineTo(PAGE.width / 2 + 60, y)
    .stroke();
  y += 24;

  // The rows and what the institution certifies, as one block centred in the room above the date
  // (compact type when the roomy one would not fit).
  const room = DATE_Y - 26 - y;
  const layouts = DENSITIES.map((density) => layoutBlock(doc, details(c), w.body[c.kind](c), density));
  const block = layouts.find((b) => b.height <= room) ?? layouts.at(-1)!;
  drawBlock(doc, block, y + Math.max(0, (room - block.height) / 2), accent);

  // Issue date, institution, signatory and seal.
  // The signature block stands at the same place on every certificate.
  y = DATE_Y;
  doc.font('regular').fontSize(14).fillColor(INK);
  centred(doc, formatDate(c.issuedOn, c.lang), y);
  y += 34;
  // The institution: one line, smaller if need be; a name too long for that takes two.
  const name = c.institution.name;
  const nameSpacing = c.lang === 'ko' ? 2 : 0;
  doc.font('bold').fillColor(INK);
  const nameSize = fitSize(doc, name, 21, 14, PAGE.width - 160, nameSpacing);
  if (doc.widthOfString(name, { characterSpacing: nameSpacing }) <= PAGE.width - 160) {
    centred(doc, name, y, { characterSpacing: nameSpacing });
  } else {
    doc.fontSize(Math.min(nameSize, 13));
    const nameLines = clamp(doc, wrap(doc, name, PAGE.width - 160), PAGE.width - 160, 2);
    for (const [i, line] of nameLines.entries()) centred(doc, line, y - 6 + i * 17);
  }
  y += 40;
  const signatory = c.institution.signatory;
  let sealAt = { x: PAGE.width / 2 + 120, y: y - 10 };
  if (signatory) {
    const line = `${signatory.title}  ${signatory.name}`;
    doc.font('bold').fontSize(fitSize(doc, line, 15, 10, PAGE.width - 220, c.lang === 'ko' ? 4 : 0));
    const lineWidth = doc.widthOfString(line, { characterSpacing: c.lang === 'ko' ? 4 : 0 });
    centred(doc, line, y, { characterSpacing: c.lang === 'ko' ? 4 : 0 });
    // The seal is pressed just over the end of the signatory's name, as on a paper certificate.
    sealAt = { x: (PAGE.width + lineWidth) / 2 + SEAL / 2 - 6, y: y + 13 };
  }
  if (c.institution.seal) {
    doc.image(Buffer.from(c.institution.seal), sealAt.x - SEAL / 2, sealAt.y - SEAL / 2, { fit: [SEAL, SEAL], align: 'center', valign: 'center' });
  }

  // How to check it: the QR of the page, and the page's address under it.
  const qrTop = PAGE.height - 84 - QR_SIZE;
  doc
    .lineWidth(0.5)
    .strokeColor('#d9d4cb')
    .moveTo(56, qrTop - 10)
    .lineTo(PAGE.width - 56, qrTop - 10)
    .stroke();
  qr(doc, c.url, 56, qrTop, QR_SIZE);
  doc.font('regular').fontSize(7.5).fillColor(MUTED);
  wrap(doc, c.url, QR_SIZE + 90).forEach((line, i) => {
    doc.text(line, 56 + 2, qrTop + QR_SIZE + 3 + i * 10, { lineBreak: false, link: c.url });
  });
  const textX = 56 + QR_SIZE + 18;
  const textWidth = PAGE.width - 56 - textX;
  doc.font('bold').fontSize(10).fillColor(accent);
  doc.text(w.verify, textX, qrTop + 4, { lineBreak: false });
  doc.font('regular').fontSize(8.5).fillColor(MUTED);
  let ty = qrTop + 22;
  for (const line of wrap(doc, w.verifyText, textWidth)) {
    doc.text(line, textX, ty, { lineBreak: false });
    ty += 12.5;
  }

  if (c.stamp) stamp(doc, c, c.stamp);

  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
