/**
 * What the public pages need about one credential: the stored document, its JWT, the live verdict,
 * and its badge images (the achievement's own image, or a generated one) with the credential baked in.
 */
import { isUuid } from '../ids.js';
import { bakePng, bakeSvg } from '../badges/baking.js';
import { generatedBadgeSvg, renderPng } from '../badges/generated-badge.js';
import { createCache } from '../cache.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import { jwtOf } from '../credentials/credential.repository.js';
import type { Db } from '../db/database.js';
import type { AchievementKind } from '../db/types.js';
import type { Urls } from '../urls.js';
import type { StatusChanges } from '../status/status-changes.js';
import { verifyInputOf } from '../verify/input.js';
import type { Verdict } from '../verify/verdict.js';
import type { VerifyService } from '../verify/verify.service.js';
import type { Lang } from './i18n.js';
import { PAGE_HEADERS } from './html.js';
import { pickLanguage } from './i18n.js';
import {
  listInstitutionAchievements,
  listInstitutions,
  readCredentialPrivacy,
  readInstitution,
  readInstitutionLogo,
  readPublicCredential,
} from './page.repository.js';
import { homePage, type InstitutionListItem, institutionNotFoundPage, institutionPage } from './templates.js';

export interface PublicCredential {
  id: string;
  url: string;
  credential: Record<string, any>;
  jwt: string;
  kind: AchievementKind;
  image: string | null;
}

export type PageService = ReturnType<typeof createPageService>;

/** A private credential's public page and files say only that it is private, except to her own session. */
export interface Privacy {
  private: boolean;
  /** Her normalised e-mail (null for a learner known by DID or her institution's id alone). */
  email: string | null;
}

/** How long whether a credential is private is reused (another instance's change shows within this). */
const PRIVACY_TTL_MS = 1_000;

/** What is baked into a badge: the signed JSON-LD, or the JWT of a credential secured by it alone. */
const signedForm = (found: PublicCredential) => (securedByJwtAlone(found.credential) ? found.jwt : found.credential);

/** Rendered badge PNGs are the same for every learner of an achievement: keep the last few. */
const RENDER_CACHE_SIZE = 200;

/** Signed documents never change: the last few thousand are kept. */
const FOUND_CACHE_SIZE = 5_000;
/**
 * A verdict is reused this long. A status change on this instance drops it at once; another
 * instance's change shows within this time (well inside the one second promised for revocation).
 */
const VERDICT_TTL_MS = 500;

/** Institutions the home page lists; achievements an institution's page lists. */
const HOME_INSTITUTIONS = 500;
const PAGE_ACHIEVEMENTS = 500;
/** How long the home page's list of institutions is reused (a new institution shows within this). */
const INSTITUTIONS_TTL_MS = 10_000;

/** The generated badge's PNG is this many pixels a side (badges/generated-badge.ts, 600×600). */
const GENERATED_BADGE_SIDE = 600;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The bytes of a data:image/png URI (an institution's image, checked when it was set). */
function pngDataUri(image: string | null): Buffer | undefined {
  const match = image ? /^data:image\/png;base64,(.+)$/.exec(image) : null;
  return match ? Buffer.from(match[1]!, 'base64') : undefined;
}

export function createPageService(deps: { db: Db; urls: Urls; verify: VerifyService; statusChanges: StatusChanges }) {
  const { db, urls, verify } = deps;
  const rendered = createCache<Promise<Buffer>>({ maxEntries: RENDER_CACHE_SIZE });
  const foundCache = createCache<PublicCredential>({ maxEntries: FOUND_CACHE_SIZE });
  const verdicts = createCache<Promise<Verdict>>({ ttlMs: VERDICT_TTL_MS, maxEntries: FOUND_CACHE_SIZE });
  deps.statusChanges.subscribe((id) => verdicts.delete(id));
  // Whether a credential is private changes (its learner decides): held briefly, dropped at once on
  // this instance by forgetPrivacy, seen by the others within PRIVACY_TTL_MS.
  const privacies = createCache<Promise<Privacy>>({ ttlMs: PRIVACY_TTL_MS, maxEntries: FOUND_CACHE_SIZE });

  const institutionsCache = createCache<Promise<InstitutionListItem[]>>({ ttlMs: INSTITUTIONS_TTL_MS, maxEntries: 1 });

  const renderCached = (svg: string): Promise<Buffer> => rendered.getOrLoad(svg, () => renderPng(svg));

  /** An image the institution gave as a data: URI; http(s) images are never fetched (no SSRF). */
  function embeddedImage(image: string | null): { type: 'png' | 'svg'; bytes: Buffer } | undefined {
    const match = image ? /^data:image\/(png|svg\+xml);base64,(.+)$/.exec(image) : null;
    if (!match) return undefined;
    return { type: match[1] === 'png' ? 'png' : 'svg', bytes: Buffer.from(match[2]!, 'base64') };
  }

  function generated(found: PublicCredential, lang: Lang): string {
    const subject = found.credential.credentialSubject ?? {};
    const hours = subject.creditsEarned ?? subject.achievement?.creditsAvailable;
    return generatedBadgeSvg({
      name: String(subject.achievement?.name ?? found.credential.name ?? ''),
      issuerName: String(found.credential.issuer?.name ?? ''),
      kind: found.kind,
      ...(typeof hours === 'number' ? { hours } : {}),
      lang,
    });
  }

  return {
    /** The headers every page is sent with (for routes outside the pages plugin). */
    headers: PAGE_HEADERS,

    /** The home page's list: every institution hosted here, by name (at most HOME_INSTITUTIONS). */
    institutions(): Promise<InstitutionListItem[]> {
      return institutionsCache.getOrLoad('all', async () =>
        (await listInstitutions(db, HOME_INSTITUTIONS)).map((r) => ({ slug: r.slug, name: r.name, nameEn: r.name_en ?? null })),
      );
    },

    /** `/`: the front door in the language asked for (query, then Accept-Language). */
    async homePage(langQuery: unknown, acceptLanguage: string | undefined): Promise<string> {
      return homePage(pickLanguage(langQuery, acceptLanguage), await this.institutions());
    },

    /** `/issuers/{slug}` for a browser: the page, or the page that says there is no such institution. */
    async institutionPage(slug: string, langQuery: unknown, acceptLanguage: string | undefined): Promise<{ status: 200 | 404; html: string }> {
      const lang = pickLanguage(langQuery, acceptLanguage);
      const row = await readInstitution(db, slug);
      if (!row) return { status: 404, html: institutionNotFoundPage(lang) };
      const achievements = await listInstitutionAchievements(db, row.id, PAGE_ACHIEVEMENTS);
      const hasLogo = Boolean(row.has_logo) || pngDataUri(row.image) !== undefined;
      return {
        status: 200,
        html: institutionPage(lang, {
          slug: row.slug,
          name: row.name,
          nameEn: row.name_en ?? null,
          description: row.description,
          url: row.url,
          logo: hasLogo ? `/issuers/${encodeURIComponent(row.slug)}/logo.png` : undefined,
          achievements: achievements.map((a) => {
            const hours = a.kind === 'training_hours' ? a.required_hours : a.hours;
            return {
              kind: a.kind,
              name: a.name,
              nameEn: a.name_en ?? null,
              description: a.description,
              descriptionEn: a.description_en ?? null,
              hours: hours === null ? null : Number(hours),
            };
          }),
        }),
      };
    },

    /**
     * An institution's logo as PNG: the one it set for its certificates, else its profile image when
     * that is a PNG data: URI (an http(s) image is never fetched). Undefined when it has neither.
     */
    async institutionLogo(slug: string): Promise<Buffer | undefined> {
      const row = await readInstitutionLogo(db, slug);
      if (!row) return undefined;
      if (row.logo) return Buffer.from(row.logo);
      return pngDataUri(row.image);
    },

    /** The badge PNG's size in pixels, for og:image:width and og:image:height. */
    badgeSize(found: PublicCredential): { width: number; height: number } {
      const own = embeddedImage(found.image);
      if (own?.type === 'png' && own.bytes.length >= 24 && own.bytes.subarray(0, 8).equals(PNG_SIGNATURE))
        return { width: own.bytes.readUInt32BE(16), height: own.bytes.readUInt32BE(20) };
      return { width: GENERATED_BADGE_SIDE, height: GENERATED_BADGE_SIDE };
    },

    async find(id: string): Promise<PublicCredential | undefined> {
      if (!isUuid(id)) return undefined;
      const cached = foundCache.get(id.toLowerCase());
      if (cached) return cached;
      const row = await readPublicCredential(db, id.toLowerCase());
      if (!row) return undefined;
      const found: PublicCredential = {
        id: row.id,
        url: urls.credential(row.id),
        credential: row.document as Record<string, any>,
        jwt: jwtOf(row),
        kind: row.kind ?? 'training_hours',
        image: row.image ?? null,
      };
      foundCache.set(row.id, found);
      return found;
    },

    /** `id`: the id of a credential `find` found. */
    privacy(id: string): Promise<Privacy> {
      return privacies.getOrLoad(id, async () => {
        const row = await readCredentialPrivacy(db, id);
        return { private: row?.private ?? false, email: row?.email ?? null };
      });
    },

    /** Her choice changed on this instance: the next page shows it. */
    forgetPrivacy(id: string): void {
      privacies.delete(id);
    },

    verdict(found: PublicCredential): Promise<Verdict> {
      return verdicts.getOrLoad(found.id, () => verify.verify(verifyInputOf(found)));
    },

    /** OB 3.0 §5.3: the SVG badge with the signed credential inside. */
    badgeSvg(found: PublicCredential, lang: Lang): string {
      const own = embeddedImage(found.image);
      const svg = own?.type === 'svg' ? own.bytes.toString('utf8') : generated(found, lang);
      return bakeSvg(svg, signedForm(found));
    },

    /** OB 3.0 §5.3: the PNG badge with the signed credential in an iTXt chunk. */
    async badgePng(found: PublicCredential, lang: Lang): Promise<Buffer> {
      const own = embeddedImage(found.image);
      // An institution's own SVG is never rasterised here (the renderer could reach local files);
      // its PNG badge uses the generated design.
      const png = own?.type === 'png' ? own.bytes : await renderCached(generated(found, lang));
      return bakePng(png, signedForm(found));
    },
  };
}
