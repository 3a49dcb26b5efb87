/**
 * The drawing alone (src/certificates/certificate.pdf.ts), without a database: real glyphs (not
 * only a text layer), fonts embedded as subsets, one page whatever the length of what is printed,
 * and the same page for the same content.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/app.js';
import { formatCertificateNumber } from '../../src/certificates/certificate-number.js';
import { type CertificateContent, renderCertificatePdf } from '../../src/certificates/certificate.pdf.js';
import { holds, logoPng, readPdf, sealPng } from './helpers.js';

const URL = 'https://badges.example.kr/c/3f1c2a9e-8d7b-4c61-9a0e-5b2d7c4e1f08';
const base: CertificateContent = {
  kind: 'course',
  lang: 'ko',
  number: { year: 2026, serial: 42 },
  learner: '김민지',
  achievement: '백엔드 개발자 입문과정',
  hours: 450,
  period: { start: '2026-03-02', end: '2026-08-28' },
  issuedOn: '2026-08-28',
  institution: { name: '서울여성능력개발원', signatory: { name: '홍길동', title: '원장' }, logo: logoPng(), seal: sealPng() },
  url: URL,
};

/** The rows of pixels in a band of the page that are not white, at 100 dpi. */
function inkIn(pdf: Buffer, top: number, bottom: number): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'ieum-ink-'));
  try {
    writeFileSync(path.join(dir, 'c.pdf'), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '100', '-singlefile', path.join(dir, 'c.pdf'), path.join(dir, 'p')]);
    const png = PNG.sync.read(readFileSync(path.join(dir, 'p.png')));
    let ink = 0;
    for (let y = Math.floor(top * png.height); y < bottom * png.height; y++)
      for (let x = 0; x < png.width; x++) if (png.data[(y * png.width + x) * 4]! < 128) ink++;
    return ink;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Touches no database: run once, in the PGlite project.
describe.skipIf(onPostgres())('the certificate drawing', () => {
  it('draws the Hangul glyphs themselves, from fonts embedded as subsets', async () => {
    const pdf = await renderCertificatePdf(base);
    const dir = mkdtempSync(path.join(tmpdir(), 'ieum-fonts-'));
    try {
      writeFileSync(path.join(dir, 'c.pdf'), pdf);
      const fonts = execFileSync('pdffonts', [path.join(dir, 'c.pdf')], { encoding: 'utf8' });
      // Subset fonts are named ABCDEF+Name; the emb and sub columns say yes.
      expect(fonts).toMatch(/[A-Z]{6}\+NotoSansKR-Regular\s+(CID )?TrueType.*yes\s+yes/);
      expect(fonts).toMatch(/[A-Z]{6}\+NotoSansKR-Bold\s+(CID )?TrueType.*yes\s+yes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A subset: the whole font is 6 MB.
    expect(pdf.length).toBeLessThan(120_000);
    // More Hangul in the name is more ink on the page: a text layer without glyphs (a broken
    // subset) would print the same blank either way.
    const longer = await renderCertificatePdf({ ...base, learner: '김민지 박서연 이수진 정하은 최유나' });
    expect(inkIn(longer, 0, 1) - inkIn(pdf, 0, 1)).toBeGreaterThan(500);
  });

  it('draws the same page from the same content', async () => {
    const first = readPdf(await renderCertificatePdf(base));
    const second = readPdf(await renderCertificatePdf(base));
    expect(first.text).toBe(second.text);
    expect(Buffer.compare(first.png, second.png)).toBe(0);
  });

  it('keeps everything on one page, however long the names, and without a signatory, logo, seal, period or hours', async () => {
    const long: CertificateContent = {
      ...base,
      kind: 'study_group',
      learner: '가나다라마바사아자차카타파하'.repeat(4),
      achievement: '지역 공동체와 함께하는 도시재생 현장 연구 및 기록 활동 '.repeat(6),
      role: '진행자 겸 기록 담당 '.repeat(5),
      studyGroup: { name: '마을기록 연구모임 '.repeat(10), topic: '골목 상권의 기록과 보존 '.repeat(12), attended: 12, total: 14 },
      institution: { name: '서울특별시 도시재생지원센터 부설 '.repeat(5), signatory: { name: '홍길동'.repeat(8), title: '센터장 직무대리' } },
      stamp: { state: 'revoked', at: new Date('2026-09-01T05:03:00Z'), reason: '출석 기록 오류로 잘못 발급됨 '.repeat(20) },
    };
    const read = readPdf(await renderCertificatePdf(long), 'study-group-ko-long-revoked');
    expect(read.pages).toBe(1);
    expect(read.qr).toBe(URL);
    expect(holds(read, '취소됨')).toBe(true);
    const bare = readPdf(await renderCertificatePdf({ ...base, kind: 'training_hours', hours: undefined, period: undefined, institution: { name: '기관' } }));
    expect(bare.pages).toBe(1);
    expect(bare.qr).toBe(URL);
    expect(holds(bare, '교육이수확인서')).toBe(true);
  });

  it.each([
    [{ year: 2026, serial: 1 }, '제2026-0001호', 'No. 2026-0001'],
    [{ year: 2027, serial: 12345 }, '제2027-12345호', 'No. 2027-12345'],
  ])('prints the number %o as %s / %s', (number, ko, en) => {
    expect(formatCertificateNumber(number, 'ko')).toBe(ko);
    expect(formatCertificateNumber(number, 'en')).toBe(en);
  });
});
