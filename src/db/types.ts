/** Table types for Kysely: snake_case columns as the database has them. */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { JsonWebKeyPublic } from '../crypto/keys.js';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** numeric comes back as a string from PostgreSQL. */
type Numeric = ColumnType<string | null, number | string | null | undefined, number | string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface IssuersTable {
  id: string;
  slug: string;
  name: string;
  url: string;
  email: string;
  description: string | null;
  image: string | null;
  created_at: CreatedAt;
}

export interface SigningKeysTable {
  id: string;
  issuer_id: string;
  fragment: string;
  algorithm: 'Ed25519' | 'RS256';
  public_jwk: Json<JsonWebKeyPublic>;
  public_key_multibase: string | null;
  private_key_sealed: string;
  created_at: CreatedAt;
  retired_at: NullableTimestamp;
}

export interface ApiKeysTable {
  id: string;
  issuer_id: string;
  label: string | null;
  token_hash: string;
  created_at: CreatedAt;
  revoked_at: NullableTimestamp;
}

export type AchievementKind = 'course' | 'study_group' | 'training_hours';

export interface AchievementsTable {
  id: string;
  issuer_id: string;
  kind: AchievementKind;
  name: string;
  description: string;
  criteria_narrative: string;
  image: string | null;
  hours: Numeric;
  required_hours: Numeric;
  tags: Json<string[]>;
  language: string;
  details: Json<Record<string, unknown>>;
  /** Optional English name and description (migration 0012), for English pages and certificates; never in the signed Achievement. */
  name_en?: string | null;
  description_en?: string | null;
  created_at: CreatedAt;
}

export interface LearnersTable {
  id: string;
  issuer_id: string;
  name: string;
  email: string | null;
  did: string | null;
  external_id: string | null;
  created_at: CreatedAt;
}

export interface StatusListsTable {
  id: string;
  issuer_id: string;
  purpose: string;
  capacity: number;
  version: Generated<number>;
  is_full: Generated<boolean>;
  signed_credential: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  signed_version: number | null;
  /** How many of the list's indexes have been handed out, in the order its seed gives. */
  allocated: Generated<number>;
  /** The secret seed of that order (src/status/shuffle.ts); null for lists closed before it. */
  shuffle_seed: Uint8Array | null;
  created_at: CreatedAt;
}

export interface CredentialsTable {
  id: string;
  issuer_id: string;
  /** null for a CLR (the learner's record), which belongs to no one achievement. */
  achievement_id: string | null;
  learner_id: string;
  document: Json<Record<string, unknown>>;
  jwt: string;
  /** The id a VC-API caller chose for its credential (unique); null when the id is our /c/<id>. */
  caller_id?: string | null;
  status_list_id: string;
  status_index: number;
  idempotency_key: string | null;
  request_hash: string | null;
  valid_from: Timestamp;
  valid_until: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revocation_reason: string | null;
  suspended_at: NullableTimestamp;
  suspension_reason: string | null;
  /** Made private by its learner: the public page and files then say only that it is private. */
  private: Generated<boolean>;
  created_at: CreatedAt;
}

export interface AuditEventsTable {
  id: Generated<string>;
  issuer_id: string | null;
  actor: string;
  action: string;
  subject: string | null;
  details: Json<Record<string, unknown>>;
  at: CreatedAt;
}

export interface VerificationMethod {
  id: string;
  type: 'Multikey' | 'JsonWebKey';
  controller?: string;
  publicKeyMultibase?: string;
  publicKeyJwk?: Record<string, string>;
}

export interface KnownIssuersTable {
  id: string;
  name: string;
  url: string | null;
  verification_methods: Json<VerificationMethod[]>;
  created_at: CreatedAt;
}

export interface KnownStatusListsTable {
  id: string;
  issuer_id: string;
  credential: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface TrainingHoursTable {
  id: string;
  issuer_id: string;
  achievement_id: string;
  learner_id: string;
  hours: ColumnType<string, number | string, number | string>;
  activity: string;
  /** date: returned as a Date at midnight UTC on pg, as a string on some drivers; normalised in the service. */
  session_date: ColumnType<Date | string, string, string>;
  evidence: ColumnType<Record<string, unknown>[] | null, string | null | undefined, string | null>;
  idempotency_key: string | null;
  created_at: CreatedAt;
  voided_at: NullableTimestamp;
  void_reason: string | null;
}

export interface HoursAwardsTable {
  achievement_id: string;
  learner_id: string;
  year: number;
  credential_id: string;
  created_at: CreatedAt;
}

export interface KeyEncryptionCheckTable {
  id: number;
  sealed: string;
  created_at: CreatedAt;
}

export type DeliveryState = 'pending' | 'sent' | 'failed' | 'not-configured' | 'not-requested';

/** A credential's e-mail to its learner: the outbox row the sender works from. */
export interface DeliveriesTable {
  credential_id: string;
  state: DeliveryState;
  attempts: Generated<number>;
  /** When the row is next due; a sender's claim pushes it forward (a lease). */
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  sent_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface LearnerSignInLinksTable {
  /** SHA-256 of the link's token: the token itself exists only in the mail. */
  token_hash: string;
  email: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface LearnerSessionsTable {
  /** SHA-256 of the session cookie's value. */
  token_hash: string;
  email: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface CollectionsTable {
  id: string;
  /** The learner's normalised e-mail: whose collection it is. */
  email: string;
  name: string;
  created_at: CreatedAt;
}

export interface CollectionCredentialsTable {
  collection_id: string;
  credential_id: string;
  position: number;
}

/** An OpenID4VCI credential offer (src/wallets): its pre-authorized code and transaction code kept as SHA-256 digests. */
export interface WalletOffersTable {
  id: string;
  credential_id: string;
  code_hash: string;
  tx_code_hash: string | null;
  tx_code_failures: Generated<number>;
  configuration_ids: Json<string[]>;
  actor: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface WalletAccessTokensTable {
  token_hash: string;
  offer_id: string;
  credential_id: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface WalletNoncesTable {
  nonce_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

/** A holder-bound copy issued to a wallet, and the original whose status it follows. */
export interface WalletCopiesTable {
  copy_id: string;
  original_id: string;
  holder: string;
  configuration_id: string;
  token_hash: string;
  created_at: CreatedAt;
}

/** An institution's look on its printable certificates (src/certificates). */
export interface CertificateSettingsTable {
  issuer_id: string;
  name_en: string | null;
  signatory_name: string | null;
  signatory_title: string | null;
  signatory_name_en: string | null;
  signatory_title_en: string | null;
  /** PNG bytes. */
  logo: Uint8Array | null;
  seal: Uint8Array | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** The last certificate number handed out per institution and year. */
export interface CertificateCountersTable {
  issuer_id: string;
  year: number;
  last: number;
}

/** A credential's certificate number (발급번호): 제{year}-{serial}호, unique per institution and year. */
export interface CertificateNumbersTable {
  credential_id: string;
  issuer_id: string;
  year: number;
  serial: number;
  created_at: CreatedAt;
}

export interface Database {
  certificate_settings: CertificateSettingsTable;
  certificate_counters: CertificateCountersTable;
  certificate_numbers: CertificateNumbersTable;
  wallet_offers: WalletOffersTable;
  wallet_access_tokens: WalletAccessTokensTable;
  wallet_nonces: WalletNoncesTable;
  wallet_copies: WalletCopiesTable;
  deliveries: DeliveriesTable;
  learner_sign_in_links: LearnerSignInLinksTable;
  learner_sessions: LearnerSessionsTable;
  collections: CollectionsTable;
  collection_credentials: CollectionCredentialsTable;
  key_encryption_check: KeyEncryptionCheckTable;
  training_hours: TrainingHoursTable;
  hours_awards: HoursAwardsTable;
  known_issuers: KnownIssuersTable;
  known_status_lists: KnownStatusListsTable;
  issuers: IssuersTable;
  signing_keys: SigningKeysTable;
  api_keys: ApiKeysTable;
  achievements: AchievementsTable;
  learners: LearnersTable;
  status_lists: StatusListsTable;
  credentials: CredentialsTable;
  audit_events: AuditEventsTable;
}

export type IssuerRow = Selectable<IssuersTable>;
export type NewIssuer = Insertable<IssuersTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type AchievementRow = Selectable<AchievementsTable>;
export type NewAchievement = Insertable<AchievementsTable>;
export type LearnerRow = Selectable<LearnersTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type NewCredential = Insertable<CredentialsTable>;
