/**
 * CLR 2.0 (1EdTech Comprehensive Learner Record Standard v2.0): a learner's accumulated record at one
 * institution, as a ClrCredential that nests the signed credentials she holds there, unchanged, so
 * each still verifies on its own. Stored as a credential without an achievement: it shares the status
 * list, revocation, verification and the public page at /c/<id> with every other credential.
 */
import { hashedIdentifiers, securedByJwtAlone, xsdDateTime } from '../credentials/credential.document.js';
import type { UnsignedCredential } from '../crypto/securing.js';
import type { Db } from '../db/database.js';
import type { IssuerRow, LearnerRow } from '../db/types.js';
import { conflict, notFound } from '../errors.js';
import type { Issuance } from '../issuance/issuance.service.js';
import type { IssuerService } from '../issuers/issuer.service.js';
import { CLR_V2_CONTEXT } from '../jsonld/clr-context.js';
import { OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT, VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import { findLearner } from '../learners/learner.repository.js';
import { learnersAwards } from './clr.repository.js';
import type { Json } from '../ids.js';

export interface ClrInput {
  jwtAlgorithm?: 'EdDSA' | 'RS256';
}

export interface ClrSummary {
  /** Sum of `creditsEarned` (hours) over the nested credentials; those that state none add nothing. */
  totalHours: number;
  /** First and last day of the activities (activityStartDate/EndDate, else validFrom), YYYY-MM-DD. */
  period: { from: string; to: string } | null;
}

export interface IssuedClr extends ClrSummary {
  id: string;
  url: string;
  credential: Record<string, unknown>;
  jwt: string;
  included: number;
  excluded: { revoked: number; suspended: number; jwtOnly: number };
}

export interface ClrFacts {
  id: string;
  url: string;
  issuerProfile: Record<string, unknown>;
  learner: Pick<LearnerRow, 'name' | 'email' | 'did' | 'external_id'>;
  /** The signed credentials to nest, oldest first, exactly as stored. */
  credentials: Json[];
  validFrom: string;
  status: { listUrl: string; index: number };
  /** Salt of the hashed identities; random when absent. */
  salt?: string;
}

const day = (value: unknown): string | undefined => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined);

/** Hours and period, read from the signed credentials themselves, so the statement matches them. */
export function summarise(credentials: Json[]): ClrSummary {
  let hours = 0;
  const days: string[] = [];
  for (const credential of credentials) {
    const subject: Json = ([] as Json[]).concat(credential.credentialSubject ?? [])[0] ?? {};
    if (typeof subject.creditsEarned === 'number' && Number.isFinite(subject.creditsEarned)) hours += subject.creditsEarned;
    const start = day(subject.activityStartDate) ?? day(credential.validFrom);
    const end = day(subject.activityEndDate) ?? start;
    if (start) days.push(start);
    if (end) days.push(end);
  }
  days.sort();
  return {
    // Hours may be fractional (1.5 h sessions); keep the sum free of binary-float tails.
    totalHours: Math.round(hours * 100) / 100,
    period: days.length > 0 ? { from: days[0]!, to: days.at(-1)! } : null,
  };
}

/**
 * The unsigned ClrCredential. CLR 2.0 has no field for total hours or the period of study, so they
 * are stated in words in `description` (VC-DM 2.0, Names and Descriptions), in Korean as the pages are; the numbers
 * themselves stay machine-readable in each nested credential (`creditsEarned`, activity dates).
 */
export function buildClrCredential(facts: ClrFacts): UnsignedCredential {
  const issuerName = String(facts.issuerProfile.name ?? '');
  const { totalHours, period } = summarise(facts.credentials);
  const parts = [`${issuerName}에서 받은 자격 ${facts.credentials.length}건`];
  if (totalHours > 0) parts.push(`총 ${totalHours}시간`);
  if (period) parts.push(`${period.from} ~ ${period.to}`);

  // CLR 2.0 ClrSubject: `id` or at least one `identifier` names the learner. The e-mail and the
  // institution's own id appear only as salted hashes (OB 3.0 IdentityObject), as in the nested credentials.
  const subject: Json = {};
  if (facts.learner.did) subject.id = facts.learner.did;
  subject.type = ['ClrSubject'];
  const identifier = hashedIdentifiers({ email: facts.learner.email, externalId: facts.learner.external_id }, facts.salt);
  if (identifier.length > 0) subject.identifier = identifier;
  subject.verifiableCredential = facts.credentials;
  // The achievements the nested credentials award, each once (CLR 2.0 ClrSubject.achievement).
  const achievements = new Map<string, Json>();
  for (const credential of facts.credentials) {
    const achievement = ([] as Json[]).concat(credential.credentialSubject ?? [])[0]?.achievement;
    if (achievement && typeof achievement === 'object' && typeof achievement.id === 'string' && !achievements.has(achievement.id)) {
      achievements.set(achievement.id, achievement);
    }
  }
  if (achievements.size > 0) subject.achievement = [...achievements.values()];

  return {
    '@context': [VC_V2_CONTEXT, CLR_V2_CONTEXT, OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT],
    id: facts.url,
    type: ['VerifiableCredential', 'ClrCredential'],
    name: `${facts.learner.name}의 학습 이력 — ${issuerName}`,
    description: parts.join(', '),
    issuer: facts.issuerProfile,
    validFrom: facts.validFrom,
    credentialSubject: subject,
    // No credentialSchema: 1EdTech publishes no CLR 2.0 JSON Schema for VC 2.0 documents.
    credentialStatus: {
      id: `${facts.status.listUrl}#${facts.status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(facts.status.index),
      statusListCredential: facts.status.listUrl,
    },
  };
}

export type ClrService = ReturnType<typeof createClrService>;

export function createClrService(deps: { db: Db; issuers: IssuerService; issuance: Issuance }) {
  const { db, issuers, issuance } = deps;

  return {
    /** Issues a CLR of everything the learner holds at this institution that still holds. */
    async issue(issuer: IssuerRow, learnerId: string, input: ClrInput, actor: string): Promise<IssuedClr> {
      const learner = await findLearner(db, issuer.id, learnerId);
      // Another institution's learner is not found either: one institution never learns of another's.
      if (!learner) throw notFound(`Learner ${learnerId}`);
      const rows = await learnersAwards(db, issuer.id, learner.id);
      const revoked = rows.filter((r) => r.revoked_at).length;
      const suspended = rows.filter((r) => !r.revoked_at && r.suspended_at).length;
      const holding = rows.filter((r) => !r.revoked_at && !r.suspended_at).map((r) => r.document as Json);
      // A credential secured by its JWT alone has no signed JSON-LD form to nest.
      const nested = holding.filter((d) => !securedByJwtAlone(d));
      const jwtOnly = holding.length - nested.length;
      if (nested.length === 0) {
        // An empty record would certify nothing: ClrSubject.verifiableCredential is what the learner was awarded.
        throw conflict(
          `Learner ${learnerId} holds no valid credential here with a Data Integrity proof (revoked ${revoked}, suspended ${suspended}, JWT alone ${jwtOnly}); a CLR needs at least one`,
        );
      }
      const validFrom = xsdDateTime(new Date());
      const issuerProfile = issuers.profileOf(issuer);
      const excluded = { revoked, suspended, jwtOnly };
      // Data Integrity (eddsa-rdfc-2022) and VC-JOSE, on the signing pool: canonicalising every nested
      // credential is the heaviest signing the service does.
      const issued = await issuance.issue(issuer, {
        build: ({ id, url, status }) => buildClrCredential({ id, url, issuerProfile, learner, credentials: nested, validFrom, status }),
        securing: { dataIntegrity: true, jwtAlgorithm: input.jwtAlgorithm ?? 'EdDSA' },
        row: {
          achievementId: null,
          learner: { id: learner.id },
          idempotencyKey: null,
          requestHash: null,
          callerId: null,
          validFrom,
          validUntil: null,
          actor,
          auditAction: 'clr.issued',
          auditDetails: { learnerId: learner.id, included: nested.length, excluded },
        },
      });
      return { id: issued.id, url: issued.url, credential: issued.credential, jwt: issued.jwt, included: nested.length, excluded, ...summarise(nested) };
    },
  };
}
