/**
 * Printable certificates: what a credential's certificate says (read from its signed document, its
 * state from its row), its number (발급번호, taken at the first render), the institution's look
 * (English name, signatory, logo and seal), and the PDF itself (certificate.pdf.ts).
 */
import { createHash } from 'node:crypto';
import { Resvg } from '@resvg/resvg-js';
import { insertAuditEvents } from '../audit/audit.repository.js';
import { createCache } from '../cache.js';
import { seoulDate } from '../dates.js';
import type { Db } from '../db/database.js';
import { readStudyGroup } from '../credentials/credential.document.js';
import type { AchievementKind } from '../db/types.js';
import { badRequest } from '../errors.js';
import { isUuid } from '../ids.js';
import { acceptImage } from '../images.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import type { Urls } from '../urls.js';
import {
  type CertificateSourceRow,
  findCertificateSettings,
  mergeCertificateSettings,
  readCertificateSource,
  type SettingsChange,
  takeCertificateNumber,
} from './certificate.repository.js';
import { formatCertificateNumber } from './certificate-number.js';
import type { CertificateContent, CertificateLang, CertificateStamp } from './certificate.pdf.js';

/** Bumped when the drawing changes, so that ETags of the old drawing stop matching. */
const DESIGN_VERSION = '1';

/** Rendered PDFs kept (a cohort's certificates are downloaded in the days after issue). */
const RENDERED_PDFS = 200;
/** Institutions' looks kept (keyed by when each last changed, so never stale). */
const LOOKS = 200;

/** Bounds of the logo and seal images, in pixels (a 20 mm seal printed at 300 dpi is 236 px). */
const IMAGE_SIDE = { min: 64, max: 2048 };
/** How much longer than high a logo may be; a seal is about square. */
const MAX_ASPECT = { logo: 8, seal: 1.5 };
/** Largest PNG kept once made 8-bit RGBA. */
const MAX_STORED_BYTES = 1_000_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface SignatoryInput {
  name: string;
  title: string;
  nameEn?: string;
  titleEn?: string;
}

/** PATCH /v1/issuers/{slug}/certificate: the fields given are set (null clears one), the others kept. */
export interface CertificateSettingsInput {
  nameEn?: string | null;
  signatory?: SignatoryInput | null;
  logo?: string | null;
  seal?: string | null;
}

export interface CertificateNumber {
  year: number;
  serial: number;
  /** As printed: { ko: '제2026-0001호', en: 'No. 2026-0001' }. */
  text: { ko: string; en: string };
}

/** A credential that has a certificate, read fresh. */
export interface FoundCertificate {
  id: string;
  /** Made private by its learner: shown only to her own session. */
  private: boolean;
  /** Her normalised e-mail, to recognise her session; null when she is known otherwise. */
  email: string | null;
  row: CertificateSourceRow;
}

/** A credential's certificate, numbered. */
export interface CertificateSource extends FoundCertificate {
  number: CertificateNumber;
}

interface Look {
  nameEn: string | null;
  signatory: { ko?: { name: string; title: string }; en?: { name: string; title: string } };
  logo?: Uint8Array;
  seal?: Uint8Array;
}

export type CertificateService = ReturnType<typeof createCertificateService>;

type Json = Record<string, any>;

/** A date as the certificate prints it (YYYY-MM-DD): a date given alone stays that day; a moment is its day in Seoul. */
function dayOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // credential.document.ts stores a date given alone as midnight UTC of that day.
  const dateAlone = /^(\d{4}-\d{2}-\d{2})(T00:00:00(\.0+)?Z)?$/.exec(value);
  if (dateAlone) return dateAlone[1];
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : seoulDate(at);
}

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value : undefined);

/** Results other than attendance, as words: a grade, a level, a status. */
function resultsOf(subject: Json): string[] {
  const results = Array.isArray(subject.result) ? subject.result : [];
  return results
    .filter((r: Json) => !(typeof r?.resultDescription === 'string' && r.resultDescription.endsWith('#attendance')))
    .map((r: Json) => textOf(r?.value) ?? textOf(r?.achievedLevel) ?? textOf(r?.status))
    .filter((v: string | undefined): v is string => v !== undefined);
}

/** Why the certificate no longer holds, if it does not: revoked first, then suspended, then expired. */
function stampOf(row: CertificateSourceRow, now: Date): CertificateStamp | undefined {
  if (row.revoked_at) return { state: 'revoked', at: row.revoked_at, reason: row.revocation_reason };
  if (row.suspended_at) return { state: 'suspended', at: row.suspended_at, reason: row.suspension_reason };
  if (row.valid_until && row.valid_until.getTime() <= now.getTime()) return { state: 'expired', at: row.valid_until };
  return undefined;
}

/**
 * An uploaded logo or seal, checked and made plain: a whole PNG (src/images.ts; an SVG is rendered
 * to one there), within the size bounds, then redrawn as 8-bit RGBA without any other chunks, which
 * the PDF library draws whatever the original's depth, palette or interlacing.
 */
async function acceptCertificateImage(value: string, field: 'logo' | 'seal'): Promise<Buffer> {
  if (!/^data:image\/(png|svg\+xml);base64,/.test(value))
    throw badRequest(`${field} must be a data:image/png (or data:image/svg+xml) base64 URI: PNG keeps the transparency a ${field} needs`, field);
  const accepted = await acceptImage(value, field);
  const png = Buffer.from(accepted.slice(accepted.indexOf(',') + 1), 'base64');
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw badRequest(`${field} is not a PNG`, field);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (width < IMAGE_SIDE.min || height < IMAGE_SIDE.min || width > IMAGE_SIDE.max || height > IMAGE_SIDE.max) {
    throw badRequest(
      `${field} is ${width}×${height} pixels; each side must be ${IMAGE_SIDE.min} to ${IMAGE_SIDE.max} pixels (a 20 mm seal printed at 300 dpi is 236 px)`,
      field,
    );
  }
  const aspect = Math.max(width, height) / Math.min(width, height);
  if (aspect > MAX_ASPECT[field]) {
    throw badRequest(
      field === 'seal'
        ? `seal is ${width}×${height} pixels; a seal must be about square (at most 1.5 times as long as it is wide)`
        : `logo is ${width}×${height} pixels; a logo may be at most ${MAX_ASPECT.logo} times as wide as it is high`,
      field,
    );
  }
  // Redrawn at its own size: only what resvg decodes and re-encodes is kept.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image width="${width}" height="${height}" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  const plain = Buffer.from(new Resvg(svg, { logLevel: 'off', font: { loadSystemFonts: false } }).render().asPng());
  if (plain.length > MAX_STORED_BYTES) throw badRequest(`${field} is too detailed: keep it under ${MAX_STORED_BYTES} bytes as 8-bit RGBA`, field);
  return plain;
}

const dataUri = (png: Uint8Array | null) => (png ? `data:image/png;base64,${Buffer.from(png).toString('base64')}` : null);
const imageInfo = (png: Uint8Array | null) =>
  png ? { width: Buffer.from(png).readUInt32BE(16), height: Buffer.from(png).readUInt32BE(20), bytes: png.length, dataUri: dataUri(png) } : null;

export function createCertificateService(deps: { db: Db; urls: Urls; issuers: IssuerService }) {
  const { db, urls, issuers } = deps;
  const rendered = createCache<Promise<Buffer>>({ maxEntries: RENDERED_PDFS });
  const looks = createCache<Promise<Look>>({ maxEntries: LOOKS });

  function lookOf(row: CertificateSourceRow): Promise<Look> {
    if (!row.look_updated_at) return Promise.resolve({ nameEn: null, signatory: {} });
    return looks.getOrLoad(`${row.issuer_id}|${row.look_updated_at.toISOString()}`, async () => {
      const settings = await findCertificateSettings(db, row.issuer_id);
      if (!settings) return { nameEn: null, signatory: {} };
      const ko = settings.signatory_name && settings.signatory_title ? { name: settings.signatory_name, title: settings.signatory_title } : undefined;
      return {
        nameEn: settings.name_en,
        signatory: {
          ...(ko ? { ko } : {}),
          ...(ko ? { en: { name: settings.signatory_name_en ?? ko.name, title: settings.signatory_title_en ?? ko.title } } : {}),
        },
        ...(settings.logo ? { logo: settings.logo } : {}),
        ...(settings.seal ? { seal: settings.seal } : {}),
      };
    });
  }

  async function numberFor(row: CertificateSourceRow): Promise<CertificateNumber> {
    const taken =
      row.number_year !== null && row.number_serial !== null
        ? { year: row.number_year, serial: row.number_serial }
        : // The year of issue in Seoul: the year the certificate is dated.
          await takeCertificateNumber(db, { id: row.id, issuerId: row.issuer_id, year: Number(seoulDate(row.valid_from).slice(0, 4)) });
    return { ...taken, text: { ko: formatCertificateNumber(taken, 'ko'), en: formatCertificateNumber(taken, 'en') } };
  }

  async function contentOf(source: CertificateSource, lang: CertificateLang, now: Date): Promise<CertificateContent> {
    const { row } = source;
    const document = row.document as Json;
    const subject: Json = document.credentialSubject ?? {};
    const achievement: Json = subject.achievement ?? {};
    const look = await lookOf(row);
    const en = lang === 'en';
    const kind = row.kind as AchievementKind;
    const credits = numberOf(subject.creditsEarned);
    const available = numberOf(achievement.creditsAvailable);
    const period = { start: dayOf(subject.activityStartDate), end: dayOf(subject.activityEndDate) };
    const signatory = en ? look.signatory.en : look.signatory.ko;
    const stamp = stampOf(row, now);
    const content: CertificateContent = {
      kind,
      lang,
      number: source.number,
      learner: String(subject.name ?? ''),
      achievement: (en ? row.name_en : null) ?? String(achievement.name ?? document.name ?? ''),
      issuedOn: seoulDate(row.valid_from),
      institution: {
        name: (en ? look.nameEn : null) ?? String(document.issuer?.name ?? ''),
        ...(signatory ? { signatory } : {}),
        ...(look.logo ? { logo: look.logo } : {}),
        ...(look.seal ? { seal: look.seal } : {}),
      },
      url: urls.credential(row.id),
      ...(period.start || period.end ? { period: { ...(period.start ? { start: period.start } : {}), ...(period.end ? { end: period.end } : {}) } } : {}),
      ...(stamp ? { stamp } : {}),
    };
    if (kind === 'training_hours') {
      if (credits !== undefined) content.hours = credits;
      // A training_hours achievement's creditsAvailable is its threshold (achievement.service.ts).
      if (available !== undefined) content.requiredHours = available;
      const term = textOf(subject.term);
      if (term) content.term = term;
    } else {
      const hours = credits ?? available;
      if (hours !== undefined) content.hours = hours;
    }
    const role = textOf(subject.role);
    if (role) content.role = role;
    if (kind === 'study_group') {
      const group = readStudyGroup(subject);
      if (group) content.studyGroup = group;
    } else {
      const results = resultsOf(subject);
      if (results.length > 0) content.results = results;
    }
    return content;
  }

  return {
    /**
     * The credential behind a certificate; undefined when there is no such credential or it is not
     * one of an achievement (a CLR has no certificate). Takes no number: see `numbered`.
     */
    async find(id: string): Promise<FoundCertificate | undefined> {
      if (!isUuid(id)) return undefined;
      const row = await readCertificateSource(db, id.toLowerCase());
      if (!row) return undefined;
      const document = row.document as Json;
      if (!Array.isArray(document.type) || !document.type.includes('OpenBadgeCredential')) return undefined;
      return { id: row.id, private: row.private, email: row.email, row };
    },

    /** The certificate with its number, taken now if this is its first (once the caller may see it). */
    async numbered(found: FoundCertificate): Promise<CertificateSource> {
      return { ...found, number: await numberFor(found.row) };
    },

    /**
     * The certificate number of a credential, taken now if it has none (for its page to show);
     * undefined when it has no certificate. Whether to show a private credential's number is the
     * caller's decision.
     */
    async numberOf(id: string): Promise<CertificateNumber | undefined> {
      const found = await this.find(id);
      return found ? (await this.numbered(found)).number : undefined;
    },

    /**
     * The English words a page in English may show for a credential, where the institution gave
     * them (null otherwise): its achievement's name and description and the institution's name.
     * Undefined when it has no certificate (unknown, or a CLR).
     */
    async englishNames(id: string) {
      const found = await this.find(id);
      if (!found) return undefined;
      return {
        achievementName: found.row.name_en ?? null,
        achievementDescription: found.row.description_en ?? null,
        institutionName: (await lookOf(found.row)).nameEn,
      };
    },

    /**
     * What a credential's page shows beside its document, in one read: its certificate number if
     * one was taken (never taken here: a page view is not a print, docs/decisions/certificates.md),
     * the English names, and when and why it was revoked or suspended. Undefined when it has no
     * certificate (unknown, or a CLR).
     */
    async pageDetails(id: string) {
      const found = await this.find(id);
      if (!found) return undefined;
      const { row } = found;
      const number: CertificateNumber | undefined =
        row.number_year !== null && row.number_serial !== null
          ? (() => {
              const taken = { year: row.number_year, serial: row.number_serial };
              return { ...taken, text: { ko: formatCertificateNumber(taken, 'ko'), en: formatCertificateNumber(taken, 'en') } };
            })()
          : undefined;
      return {
        number,
        english: {
          achievementName: row.name_en ?? null,
          achievementDescription: row.description_en ?? null,
          institutionName: (await lookOf(row)).nameEn,
        },
        revoked: row.revoked_at ? { at: row.revoked_at, reason: row.revocation_reason } : undefined,
        suspended: row.suspended_at ? { at: row.suspended_at, reason: row.suspension_reason } : undefined,
      };
    },

    /**
     * A validator for the PDF in `lang`: it changes when anything printed does (state, look,
     * English names, the design), so a client revalidates cheaply and never keeps a clean copy of
     * a credential since revoked.
     */
    async etag(source: CertificateSource, lang: CertificateLang, now = new Date()): Promise<string> {
      const { row } = source;
      const stamp = stampOf(row, now);
      const parts = [
        DESIGN_VERSION,
        row.id,
        lang,
        source.number.text.en,
        stamp ? `${stamp.state}|${stamp.at.toISOString()}|${stamp.reason ?? ''}` : 'holds',
        row.look_updated_at?.toISOString() ?? '',
        lang === 'en' ? `${row.name_en ?? ''}` : '',
        urls.base,
      ];
      // Weak (RFC 9110 §8.8.1): the same content draws the same page, not always the same bytes.
      return `W/"${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 27)}"`;
    },

    /** The PDF (kept by ETag: the same inputs make the same file). */
    async pdf(source: CertificateSource, lang: CertificateLang, now = new Date()): Promise<Buffer> {
      const etag = await this.etag(source, lang, now);
      return rendered.getOrLoad(etag, async () => {
        // pdfkit, fontkit and their font tables (~10 MiB) load with the first certificate, not at start.
        const { renderCertificatePdf } = await import('./certificate.pdf.js');
        return renderCertificatePdf(await contentOf(source, lang, now));
      });
    },

    /** The file name a download is saved as: certificate-<slug>-2026-0001-ko.pdf. */
    fileName(source: CertificateSource, lang: CertificateLang): string {
      return `certificate-${source.row.slug}-${source.number.year}-${String(source.number.serial).padStart(4, '0')}-${lang}.pdf`;
    },

    /** GET /v1/issuers/{slug}/certificate. */
    async settings(slug: string) {
      const issuer = await issuers.issuerBySlug(slug);
      return settingsView(slug, await findCertificateSettings(db, issuer.id));
    },

    /** PATCH /v1/issuers/{slug}/certificate: the images are checked before anything is written. */
    async updateSettings(slug: string, input: CertificateSettingsInput, actor: string) {
      const issuer = await issuers.issuerBySlug(slug);
      const change: SettingsChange = {};
      if (input.nameEn !== undefined) change.name_en = input.nameEn;
      if (input.signatory !== undefined) {
        const s = input.signatory;
        change.signatory_name = s?.name ?? null;
        change.signatory_title = s?.title ?? null;
        change.signatory_name_en = s?.nameEn ?? null;
        change.signatory_title_en = s?.titleEn ?? null;
      }
      for (const field of ['logo', 'seal'] as const) {
        const value = input[field];
        if (value !== undefined) change[field] = value === null ? null : await acceptCertificateImage(value, field);
      }
      const row = await db.transaction().execute(async (trx) => {
        const merged = await mergeCertificateSettings(trx, issuer.id, change);
        await insertAuditEvents(trx, [
          { issuerId: issuer.id, actor, action: 'certificate.settings-changed', subject: slug, details: { fields: Object.keys(input).sort() } },
        ]);
        return merged;
      });
      return settingsView(slug, row);
    },
  };
}

function settingsView(slug: string, row: Awaited<ReturnType<typeof findCertificateSettings>>) {
  if (!row) return { slug, nameEn: null, signatory: null, logo: null, seal: null, updatedAt: null };
  return {
    slug,
    nameEn: row.name_en,
    signatory:
      row.signatory_name && row.signatory_title
        ? {
            name: row.signatory_name,
            title: row.signatory_title,
            ...(row.signatory_name_en ? { nameEn: row.signatory_name_en } : {}),
            ...(row.signatory_title_en ? { titleEn: row.signatory_title_en } : {}),
          }
        : null,
    logo: imageInfo(row.logo),
    seal: imageInfo(row.seal),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** `?lang=en` gives English; anything else Korean, the certificate's first language. */
export function certificateLang(query: unknown): CertificateLang {
  return typeof query === 'string' && query.toLowerCase() === 'en' ? 'en' : 'ko';
}
