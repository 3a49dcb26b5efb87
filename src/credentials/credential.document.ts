/**
 * The unsigned OpenBadgeCredential: one pure function from stored facts to the JSON-LD document.
 * OB 3.0 §B.1 (AchievementCredential), VC Data Model 2.0.
 */
import { createHash } from 'node:crypto';
import { newSalt } from '../crypto/salt.js';
import { OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT, VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { UnsignedCredential } from '../crypto/securing.js';
import { normaliseEmail } from '../learners/learner.repository.js';
import { normaliseId } from '../text.js';

export const OB_ACHIEVEMENT_CREDENTIAL_SCHEMA = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

export interface EvidenceInput {
  url?: string;
  name?: string;
  narrative?: string;
  description?: string;
  genre?: string;
}

export interface ResultInput {
  value?: string;
  status?: string;
  achievedLevel?: string;
}

export interface StudyGroupDetails {
  name: string;
  topic?: string;
  sessionsAttended?: number;
  sessionsTotal?: number;
}

export interface SubjectDetails {
  studyGroup?: StudyGroupDetails;
  activityStartDate?: string;
  activityEndDate?: string;
  role?: string;
  term?: string;
  creditsEarned?: number;
  narrative?: string;
  result?: ResultInput[];
}

export interface CredentialFacts {
  id: string;
  url: string;
  issuerProfile: Record<string, unknown>;
  achievement: Record<string, unknown>;
  recipient: { name: string; email?: string; did?: string; externalId?: string };
  validFrom: string;
  validUntil?: string;
  evidence?: EvidenceInput[];
  subject: SubjectDetails;
  status: { listUrl: string; index: number };
  /** Salt of the hashed e-mail; random when absent. */
  salt?: string;
}

/**
 * A stored credential secured by its JWT alone (`securing: ['jwt']`) is kept without a proof: its
 * JSON is only a view of the JWT's payload, never to be taken as a signed credential.
 */
export function securedByJwtAlone(document: Record<string, unknown>): boolean {
  return document.proof === undefined;
}

/** The moment as VC 2.0 dateTimeStamp in whole seconds, UTC. */
export function xsdDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A date alone becomes midnight UTC, because OB's schema wants a date-time for activity dates. */
export function toDateTime(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

/** OB 3.0 IdentityHash: 'sha256$' + hex(SHA-256(identity + salt)). */
export function hashIdentity(identity: string, salt: string): string {
  return (
    'sha256$' +
    createHash('sha256')
      .update(identity + salt, 'utf8')
      .digest('hex')
  );
}

/**
 * OB 3.0 §B.1.9 IdentityObject: the learner's e-mail and the institution's own id as salted hashes,
 * so that a credential never carries the plain value; each with its own salt (random when absent).
 * The one place identities are hashed: the OB credential and the CLR's subject both use it.
 */
export function hashedIdentifiers(who: { email?: string | null; externalId?: string | null }, salt?: string): Record<string, unknown>[] {
  const identities: [string, string][] = [];
  if (who.email) identities.push(['emailAddress', normaliseEmail(who.email)]);
  if (who.externalId) identities.push(['identifier', normaliseId(who.externalId)]);
  return identities.map(([identityType, value]) => {
    const identitySalt = salt ?? newSalt();
    return { type: 'IdentityObject', identityHash: hashIdentity(value, identitySalt), identityType, hashed: true, salt: identitySalt };
  });
}

/** The study group, its topic and attendance, in words (Korean first, as the pages are). */
function studyGroupNarrative(group: StudyGroupDetails): string {
  const parts = [`스터디그룹 「${group.name}」`];
  if (group.topic) parts.push(`주제: ${group.topic}`);
  if (group.sessionsAttended !== undefined && group.sessionsTotal !== undefined) parts.push(`${group.sessionsTotal}회 중 ${group.sessionsAttended}회 참여`);
  else if (group.sessionsAttended !== undefined) parts.push(`${group.sessionsAttended}회 참여`);
  return parts.join(' · ');
}

/** What `studyGroupNarrative` wrote, read back: 스터디그룹 「name」 · 주제: topic · N회 중 M회 참여. */
const STUDY_GROUP_NARRATIVE = /^스터디그룹 「(.+)」(?: · 주제: (.+?))?(?: · (?:(\d+)회 중 )?(\d+)회 참여)?$/;

/** A study group as a credential states it, for the pages and the certificate. */
export interface StudyGroupRead {
  name: string;
  topic?: string;
  attended?: number;
  total?: number;
}

/**
 * The study group of a signed credential's subject, read back from the narrative this module
 * writes (the credential keeps the group's name and topic nowhere else) and from the attendance
 * result; undefined when the narrative is the institution's own (it is then not parsed). The one
 * reader: the credential page and the printable certificate both use it.
 */
export function readStudyGroup(subject: Record<string, any>): StudyGroupRead | undefined {
  const match = typeof subject.narrative === 'string' ? STUDY_GROUP_NARRATIVE.exec(subject.narrative) : null;
  if (!match) return undefined;
  const attendance = (Array.isArray(subject.result) ? subject.result : []).find(
    (r: Record<string, unknown>) => typeof r?.resultDescription === 'string' && r.resultDescription.endsWith('#attendance'),
  );
  const attended = attendance ? Number(attendance.value) : match[4] ? Number(match[4]) : undefined;
  return {
    name: match[1]!,
    ...(match[2] ? { topic: match[2] } : {}),
    ...(attended !== undefined && Number.isFinite(attended) ? { attended } : {}),
    ...(match[3] ? { total: Number(match[3]) } : {}),
  };
}

export function buildCredential(facts: CredentialFacts): UnsignedCredential {
  const subject: Record<string, unknown> = {};
  if (facts.recipient.did) subject.id = facts.recipient.did;
  subject.type = ['AchievementSubject'];
  subject.name = facts.recipient.name;
  const identifier = hashedIdentifiers(facts.recipient, facts.salt);
  if (identifier.length > 0) subject.identifier = identifier;
  subject.achievement = facts.achievement;
  const d = facts.subject;
  if (d.activityStartDate) subject.activityStartDate = toDateTime(d.activityStartDate);
  if (d.activityEndDate) subject.activityEndDate = toDateTime(d.activityEndDate);
  if (d.creditsEarned !== undefined) subject.creditsEarned = d.creditsEarned;
  if (d.role) subject.role = d.role;
  if (d.term) subject.term = d.term;
  const group = d.studyGroup;
  const narrative = d.narrative ?? (group ? studyGroupNarrative(group) : undefined);
  if (narrative) subject.narrative = narrative;
  const results = [...(d.result ?? [])];
  if (group?.sessionsAttended !== undefined) results.push({ value: String(group.sessionsAttended) });
  if (results.length > 0) {
    const descriptions = facts.achievement.resultDescription as { id: string }[] | undefined;
    subject.result = results.map((r) => ({
      type: ['Result'],
      ...(descriptions?.[0] ? { resultDescription: descriptions[0].id } : {}),
      ...r,
    }));
  }

  const credential: UnsignedCredential = {
    '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT],
    id: facts.url,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: facts.achievement.name as string,
    issuer: facts.issuerProfile,
    validFrom: facts.validFrom,
  };
  if (facts.validUntil) credential.validUntil = facts.validUntil;
  credential.credentialSubject = subject;
  if (facts.evidence && facts.evidence.length > 0) {
    credential.evidence = facts.evidence.map((e) => ({
      ...(e.url ? { id: e.url } : {}),
      type: ['Evidence'],
      ...(e.name ? { name: e.name } : {}),
      ...(e.narrative ? { narrative: e.narrative } : {}),
      ...(e.description ? { description: e.description } : {}),
      ...(e.genre ? { genre: e.genre } : {}),
    }));
  }
  credential.credentialSchema = [{ id: OB_ACHIEVEMENT_CREDENTIAL_SCHEMA, type: '1EdTechJsonSchemaValidator2019' }];
  // OB 3.0 allows one status entry, as an object; revocation is the one published.
  credential.credentialStatus = {
    id: `${facts.status.listUrl}#${facts.status.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(facts.status.index),
    statusListCredential: facts.status.listUrl,
  };
  return credential;
}
