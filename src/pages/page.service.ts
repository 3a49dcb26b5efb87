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
import { readCredentialPrivacy, readPublicCredential } from './page.repository.js';

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

export function createPageService(deps: { db: Db; urls: Urls; verify: VerifyService; statusChanges: StatusChanges }) {
  const { db, urls, verify } = deps;
  const rendered = createCache<Promise<Buffer>>({ maxEntries: RENDER_CACHE_SIZE });
  const foundCache = createCache<PublicCredential>({ maxEntries: FOUND_CACHE_SIZE });
  const verdicts = createCache<Promise<Verdict>>({ ttlMs: VERDICT_TTL_MS, maxEntries: FOUND_CACHE_SIZE });
  deps.statusChanges.subscribe((id) => verdicts.delete(id));
  // Whether a credential is private changes (its learner decides): held briefly, dropped at once on
  // this instance by forgetPrivacy, seen by the others within PRIVACY_TTL_MS.
  const privacies = createCache<Promise<Privacy>>({ ttlMs: PRIVACY_TTL_MS, maxEntries: FOUND_CACHE_SIZE });

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
