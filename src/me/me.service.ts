/**
 * The learner's own part: her credentials from every institution, her hours, which credentials are
 * private, her collections and the download of everything. Everything is found by her normalised
 * e-mail, which only her session gives (src/me/sign-in.service.ts); another person's id is 404.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { AppError, ErrorCode, notFound } from '../errors.js';
import { isUuid, type Json } from '../ids.js';
import { securedByJwtAlone } from '../credentials/credential.document.js';
import { jwtOf } from '../credentials/credential.repository.js';
import type { PageService } from '../pages/page.service.js';
import type { Urls } from '../urls.js';
import { offerQrSvg, type WalletService } from '../wallets/wallet.service.js';
import type { Verdict, VerdictState } from '../verify/verdict.js';
import { deleteCollection, findCollection, insertCollection, listCollections, type CollectionRow } from './collection.repository.js';
import { filterHerCredentialIds, listHerCredentials, listHerSignedCredentials, setCredentialPrivate, sumHerHours } from './me.repository.js';

export interface MyCredential {
  id: string;
  url: string;
  name: string;
  kind: 'course' | 'study_group' | 'training_hours' | 'clr';
  issuer: { name: string; slug: string };
  validFrom: string;
  validUntil: string | null;
  issuedAt: string;
  /** The live verdict's state (src/verify), as the public page shows it. */
  state: VerdictState;
  statusReason: string | null;
  hours: number | null;
  public: boolean;
}

export interface MyCollection {
  id: string;
  url: string;
  name: string;
  createdAt: string;
  credentialIds: string[];
  qr: { svg: string; png: string };
}

export interface SharedCredential {
  id: string;
  url: string;
  public: boolean;
  learnerName: string | null;
  achievementName: string;
  description: string | null;
  issuerName: string | null;
  validFrom: string | null;
  validUntil: string | null;
  hours: number | null;
  verdict: Verdict;
}

export interface SharedCollection {
  id: string;
  url: string;
  name: string;
  createdAt: string;
  credentials: SharedCredential[];
}

/** At most this many verdicts are worked out at once for one page. */
const VERDICTS_AT_ONCE = 8;

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const subjectOf = (credential: Json): Json => ([] as Json[]).concat(credential.credentialSubject ?? [])[0] ?? {};
const hoursOf = (subject: Json): number | null => {
  const hours = subject.creditsEarned ?? subject.achievement?.creditsAvailable;
  return typeof hours === 'number' ? hours : null;
};

export type LearnerService = ReturnType<typeof createLearnerService>;

export function createLearnerService(deps: { db: Db; urls: Urls; pages: PageService; wallets: Pick<WalletService, 'createOffer'> }) {
  const { db, urls, pages, wallets } = deps;
  const collectionUrl = (id: string) => `${urls.base}/p/${id}`;

  async function verdictOf(id: string): Promise<Verdict | undefined> {
    const found = await pages.find(id);
    return found ? pages.verdict(found) : undefined;
  }

  function toCollection(row: CollectionRow): MyCollection {
    const url = collectionUrl(row.id);
    return {
      id: row.id,
      url,
      name: row.name,
      createdAt: row.createdAt.toISOString(),
      credentialIds: row.credentialIds,
      qr: { svg: `${url}/qr.svg`, png: `${url}/qr.png` },
    };
  }

  return {
    async credentials(email: string): Promise<MyCredential[]> {
      const rows = await listHerCredentials(db, email);
      return mapLimited(rows, VERDICTS_AT_ONCE, async (row) => {
        const found = await pages.find(row.id);
        const verdict = found ? await pages.verdict(found) : undefined;
        const subject = found ? subjectOf(found.credential) : {};
        return {
          id: row.id,
          url: urls.credential(row.id),
          name: String(row.achievement_name ?? found?.credential.name ?? ''),
          kind: row.kind ?? 'clr',
          issuer: { name: row.issuer_name, slug: row.issuer_slug },
          validFrom: row.valid_from.toISOString(),
          validUntil: row.valid_until ? row.valid_until.toISOString() : null,
          issuedAt: row.created_at.toISOString(),
          state: verdict?.state ?? 'undetermined',
          statusReason: row.revoked_at ? row.revocation_reason : row.suspended_at ? row.suspension_reason : null,
          hours: hoursOf(subject),
          public: !row.private,
        };
      });
    },

    hours: (email: string) => sumHerHours(db, email),

    async setPublic(email: string, id: string, isPublic: boolean): Promise<{ id: string; public: boolean }> {
      if (!isUuid(id) || !(await setCredentialPrivate(db, email, id.toLowerCase(), !isPublic))) throw notFound(`Credential ${id}`);
      pages.forgetPrivacy(id.toLowerCase());
      return { id: id.toLowerCase(), public: isPublic };
    },

    /**
     * A wallet offer (OpenID4VCI) for one of her credentials, with its QR: a bearer secret, made only
     * for her signed-in session and never put on a public page.
     */
    async walletOffer(email: string, id: string): Promise<{ offerUri: string; expiresAt: string; qrSvg: string }> {
      const credentialId = isUuid(id) ? id.toLowerCase() : '';
      if (!credentialId || (await filterHerCredentialIds(db, email, [credentialId])).size === 0) throw notFound(`Credential ${id}`);
      const offer = await wallets.createOffer(credentialId, { actor: 'learner' });
      return { offerUri: offer.offerUri, expiresAt: offer.expiresAt, qrSvg: await offerQrSvg(offer.offerUri) };
    },

    async createCollection(email: string, input: { name: string; credentialIds: string[] }): Promise<MyCollection> {
      const ids = input.credentialIds.map((id) => id.toLowerCase());
      const hers = await filterHerCredentialIds(db, email, ids);
      const missing = ids.findIndex((id) => !hers.has(id));
      if (missing >= 0) throw new AppError(404, ErrorCode.notFound, `Credential ${ids[missing]} was not found`, `credentialIds.${missing}`);
      const id = randomUUID();
      const createdAt = await insertCollection(db, { id, email, name: input.name, credentialIds: ids });
      return toCollection({ id, email, name: input.name, createdAt, credentialIds: ids });
    },

    async collections(email: string): Promise<MyCollection[]> {
      return (await listCollections(db, email)).map(toCollection);
    },

    async withdrawCollection(email: string, id: string): Promise<void> {
      if (!isUuid(id) || !(await deleteCollection(db, email, id.toLowerCase()))) throw notFound(`Collection ${id}`);
    },

    /** A collection as anyone with its link sees it; undefined once withdrawn (or never made). */
    async sharedCollection(id: string): Promise<SharedCollection | undefined> {
      if (!isUuid(id)) return undefined;
      const row = await findCollection(db, id.toLowerCase());
      if (!row) return undefined;
      const credentials = await mapLimited(row.credentialIds, VERDICTS_AT_ONCE, async (credentialId): Promise<SharedCredential | undefined> => {
        const found = await pages.find(credentialId);
        if (!found) return undefined;
        const [verdict, privacy] = await Promise.all([pages.verdict(found), pages.privacy(found.id)]);
        const subject = subjectOf(found.credential);
        const achievement: Json = subject.achievement ?? {};
        return {
          id: found.id,
          url: found.url,
          public: !privacy.private,
          learnerName: typeof subject.name === 'string' ? subject.name : null,
          achievementName: String(achievement.name ?? found.credential.name ?? ''),
          description: typeof achievement.description === 'string' ? achievement.description : null,
          issuerName: typeof found.credential.issuer?.name === 'string' ? found.credential.issuer.name : null,
          validFrom: typeof found.credential.validFrom === 'string' ? found.credential.validFrom : null,
          validUntil: typeof found.credential.validUntil === 'string' ? found.credential.validUntil : null,
          hours: hoursOf(subject),
          verdict,
        };
      });
      return {
        id: row.id,
        url: collectionUrl(row.id),
        name: row.name,
        createdAt: row.createdAt.toISOString(),
        credentials: credentials.filter((c): c is SharedCredential => c !== undefined),
      };
    },

    collectionUrl,

    /** A collection's public link, if it stands (for its QR codes, without working out verdicts). */
    async sharedCollectionUrl(id: string): Promise<string | undefined> {
      if (!isUuid(id)) return undefined;
      const row = await findCollection(db, id.toLowerCase());
      return row ? collectionUrl(row.id) : undefined;
    },

    /** Everything of hers: each credential's signed JSON-LD (null when it is secured by its JWT alone) and JWT. */
    async export(email: string) {
      const rows = await listHerSignedCredentials(db, email);
      return {
        exportedAt: new Date().toISOString(),
        email,
        credentials: rows.map((row) => {
          const document = row.document as Json;
          return {
            id: row.id,
            url: urls.credential(row.id),
            public: !row.private,
            credential: securedByJwtAlone(document) ? null : document,
            jwt: jwtOf(row),
          };
        }),
        collections: (await listCollections(db, email)).map(toCollection),
      };
    },

    verdictOf,
  };
}
