/** The verdict's view of a credential: who issued it, for what, to whom, and its dates. */
import type { Verdict } from './verdict.js';
import { idOf, type Json } from './values.js';

/** `identity`: what the key resolver knows of the issuer; its name wins over the credential's. */
export function summary(credential: Json, identity: { recognized: boolean; name?: string; url?: string }): Verdict['credential'] {
  const subject = ([] as Json[]).concat(credential.credentialSubject ?? [])[0] ?? {};
  const achievement = subject.achievement && typeof subject.achievement === 'object' ? subject.achievement : null;
  const issuer = credential.issuer;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: str(credential.id),
    type: ([] as unknown[]).concat(credential.type ?? []).filter((t): t is string => typeof t === 'string'),
    issuer: {
      id: idOf(issuer),
      name: identity.name ?? str(issuer?.name),
      url: identity.url ?? str(issuer?.url),
      recognized: identity.recognized,
    },
    achievement: achievement ? { id: str(achievement.id), name: str(achievement.name), achievementType: str(achievement.achievementType) } : null,
    recipient: {
      name: str(subject.name),
      id: str(subject.id),
      hashedEmail: Array.isArray(subject.identifier) && subject.identifier.some((i: Json) => i?.identityType === 'emailAddress'),
    },
    validFrom: str(credential.validFrom ?? credential.issuanceDate),
    validUntil: str(credential.validUntil ?? credential.expirationDate),
  };
}
