/**
 * Wallets: OpenID4VCI 1.0 (final), pre-authorized code flow, with holder binding.
 *
 *   offer       a single-use pre-authorized code for one credential (optionally with a transaction
 *               code), by value in an openid-credential-offer:// URI; stored as digests
 *   token       the code (and transaction code) exchanged for a short-lived opaque access token
 *   nonce       a c_nonce, stored, spent by the one key proof that carries it
 *   credential  the key proof verified, a copy of the credential issued through the issuance core
 *               with credentialSubject.id = the holder's DID, its own id and status entry, recorded
 *               in wallet_copies as a copy of its original, whose status it follows (migration 0011)
 *
 * docs/decisions/wallets.md says why each of these is as it is.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { insertAuditEvents } from '../audit/audit.repository.js';
import type { Db } from '../db/database.js';
import type { IssuerRow } from '../db/types.js';
import { conflict, notFound } from '../errors.js';
import type { Issuance, IssuePlan } from '../issuance/issuance.service.js';
import { OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT, VC_V2_CONTEXT } from '../jsonld/document-loader.js';
import type { StatusChanges } from '../status/status-changes.js';
import type { Urls } from '../urls.js';
import { KeyProofError, PROOF_ALGORITHMS, verifyKeyProof } from './key-proof.js';
import {
  deleteTokensOfOffer,
  findCopyForToken,
  findCredentialForOffer,
  findIssuerById,
  findLiveAccessToken,
  findOfferForUpdate,
  insertAccessToken,
  insertCopy,
  insertNonce,
  insertOffer,
  listCopyIds,
  lockCredential,
  markOfferUsed,
  recordTxCodeFailure,
  setPrivate,
  spendNonce,
} from './wallet.repository.js';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

/** An offer made on a screen is scanned at once: 10 minutes is ample, and keeps a leaked QR short-lived. */
export const OFFER_LIFETIME_S = 600;
/** The longest a caller may ask for (an offer in a mail read a few days later). */
export const MAX_OFFER_LIFETIME_S = 7 * 24 * 3600;
/** The access token: long enough for the nonce and credential calls that follow the token call. */
export const ACCESS_TOKEN_LIFETIME_S = 300;
export const NONCE_LIFETIME_S = 300;
/** Wrong transaction codes an offer survives: 5 guesses of 10^6 leave a thief no chance worth the name. */
export const TX_CODE_ATTEMPTS = 5;
const TX_CODE_LENGTH = 6;

/** The configurations this issuer offers (credential_configurations_supported keys). */
export const CONFIGURATION_IDS = ['OpenBadgeCredential_ldp_vc', 'OpenBadgeCredential_jwt_vc_json'] as const;
export type ConfigurationId = (typeof CONFIGURATION_IDS)[number];

/** An error a wallet reads: OAuth's `{ error, error_description }` at an HTTP status (RFC 6749 §5.2, RFC 6750 §3.1, OpenID4VCI 1.0 §8.3.1.2). */
export class WalletProtocolError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const secret = () => randomBytes(32).toString('base64url');
const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/** What createOffer answers: the offer URI (a bearer secret), the transaction code when asked for, and when it stops working. */
export interface WalletOffer {
  offerUri: string;
  /** The 6-digit transaction code: give it to the learner by another channel than the offer. */
  txCode?: string;
  expiresAt: string;
}

export interface OfferOptions {
  /** Who made it, for the record: 'api-key:<id>', 'learner', 'delivery'… */
  actor: string;
  /** Require a 6-digit transaction code (OpenID4VCI 1.0 §4.1.1 tx_code). */
  txCode?: boolean;
  /** Seconds until the code expires; default 600, at most 7 days. */
  lifetimeSeconds?: number;
}

export type WalletService = ReturnType<typeof createWalletService>;

export function createWalletService(deps: { db: Db; urls: Urls; issuance: Issuance; statusChanges: StatusChanges }) {
  const { db, urls, issuance, statusChanges } = deps;
  const credentialIssuer = urls.base;
  const endpoints = {
    token: `${credentialIssuer}/token`,
    nonce: `${credentialIssuer}/nonce`,
    credential: `${credentialIssuer}/credential`,
  };

  // A copy follows its original in the database (the trigger of migration 0011); this instance's
  // caches of verdicts hear of the copies too, as they hear of the original.
  statusChanges.subscribe((originalId) => {
    listCopyIds(db, originalId).then(
      (ids) => {
        for (const id of ids) statusChanges.publish(id);
      },
      () => {},
    );
  });

  const display = (ko: Record<string, unknown>, en: Record<string, unknown>) => [
    { locale: 'ko', ...ko },
    { locale: 'en', ...en },
  ];
  const credentialDisplay = display(
    { name: '오픈배지', description: '이음에서 발급한 오픈배지 3.0 디지털 배지: 교육 수료, 스터디그룹 활동, 직무교육 이수시간' },
    { name: 'Open Badge', description: 'An Open Badges 3.0 credential issued by Ieum: course completion, study-group participation, training hours' },
  );
  const claims = [
    { path: ['credentialSubject', 'achievement', 'name'], display: display({ name: '성취' }, { name: 'Achievement' }) },
    { path: ['credentialSubject', 'name'], display: display({ name: '이름' }, { name: 'Name' }) },
    { path: ['issuer', 'name'], display: display({ name: '발급기관' }, { name: 'Issuer' }) },
    { path: ['validFrom'], display: display({ name: '발급일' }, { name: 'Valid from' }) },
  ];
  const credentialType = ['VerifiableCredential', 'OpenBadgeCredential'];
  const common = {
    // The holder's DID becomes credentialSubject.id: a did:key or did:jwk named by the proof's kid,
    // or did:jwk of a jwk the proof carries.
    cryptographic_binding_methods_supported: ['did:key', 'did:jwk', 'jwk'],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: [...PROOF_ALGORITHMS] } },
    credential_metadata: { display: credentialDisplay, claims },
  };
  const configurations: Record<ConfigurationId, Record<string, unknown>> = {
    OpenBadgeCredential_ldp_vc: {
      format: 'ldp_vc',
      // Appendix A.1.2: for Data Integrity, the cryptosuites.
      credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
      credential_definition: { '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT, OB_V3_EXTENSIONS_CONTEXT], type: credentialType },
      ...common,
    },
    OpenBadgeCredential_jwt_vc_json: {
      format: 'jwt_vc_json',
      credential_signing_alg_values_supported: ['EdDSA'],
      credential_definition: { type: credentialType },
      ...common,
    },
  };

  /** OpenID4VCI 1.0 §12.2.4. No authorization_servers: the issuer is its own (§12.2.4, the default). */
  function issuerMetadata() {
    return {
      credential_issuer: credentialIssuer,
      credential_endpoint: endpoints.credential,
      nonce_endpoint: endpoints.nonce,
      display: display({ name: '이음' }, { name: 'Ieum' }),
      credential_configurations_supported: configurations,
    };
  }

  /** RFC 8414 §2 with OpenID4VCI 1.0 §12.3: the pre-authorized grant only, no client authentication. */
  function authorizationServerMetadata() {
    return {
      issuer: credentialIssuer,
      token_endpoint: endpoints.token,
      // No authorization endpoint: the learner is authorised by the offer she was given.
      response_types_supported: [],
      grant_types_supported: [PRE_AUTHORIZED_GRANT],
      token_endpoint_auth_methods_supported: ['none'],
      'pre-authorized_grant_anonymous_access_supported': true,
    };
  }

  /**
   * Makes a wallet offer for a credential: whoever calls has already established that its learner
   * (or its institution) asks for it. 404 for no such credential; 409 when it is revoked, suspended,
   * a wallet copy itself, or not an OpenBadgeCredential of ours.
   */
  async function createOffer(credentialId: string, options: OfferOptions): Promise<WalletOffer> {
    const original = await findCredentialForOffer(db, credentialId);
    if (!original) throw notFound(`Credential ${credentialId}`);
    checkOfferable(original);
    const lifetime = Math.min(Math.max(options.lifetimeSeconds ?? OFFER_LIFETIME_S, 60), MAX_OFFER_LIFETIME_S);
    const id = randomUUID();
    const code = secret();
    const txCode = options.txCode ? String(randomInt(0, 10 ** TX_CODE_LENGTH)).padStart(TX_CODE_LENGTH, '0') : undefined;
    const expiresAt = new Date(Date.now() + lifetime * 1000);
    // The offer and its audit event (who handed out a bearer secret for the credential, until when).
    await db.transaction().execute(async (trx) => {
      await insertOffer(trx, {
        id,
        credentialId,
        codeHash: sha256(code),
        txCodeHash: txCode ? sha256(`${id}:${txCode}`) : null,
        configurationIds: [...CONFIGURATION_IDS],
        actor: options.actor,
        expiresAt,
      });
      await insertAuditEvents(trx, [
        {
          issuerId: original.issuer_id,
          actor: options.actor,
          action: 'credential.wallet-offered',
          subject: credentialId,
          details: { offerId: id, expiresAt: expiresAt.toISOString(), txCode: Boolean(txCode) },
        },
      ]);
    });
    // §4.1.1: the offer by value, for this issuer's configurations, with the pre-authorized grant.
    const offer = {
      credential_issuer: credentialIssuer,
      credential_configuration_ids: [...CONFIGURATION_IDS],
      grants: {
        [PRE_AUTHORIZED_GRANT]: {
          'pre-authorized_code': code,
          ...(txCode
            ? {
                tx_code: {
                  input_mode: 'numeric',
                  length: TX_CODE_LENGTH,
                  description: '기관에서 받은 6자리 확인 코드를 입력하세요 / Enter the 6-digit code your institution gave you',
                },
              }
            : {}),
        },
      },
    };
    return {
      offerUri: `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`,
      ...(txCode ? { txCode } : {}),
      expiresAt: expiresAt.toISOString(),
    };
  }

  function checkOfferable(original: NonNullable<Awaited<ReturnType<typeof findCredentialForOffer>>>): void {
    if (original.copy_of) throw conflict('This credential is a wallet copy; offer its original instead');
    if (original.revoked_at) throw conflict('The credential is revoked: it cannot be offered to a wallet');
    if (original.suspended_at) throw conflict('The credential is suspended: it cannot be offered to a wallet while it is');
    const type = (original.document as { type?: unknown }).type;
    if (!original.achievement_id || !Array.isArray(type) || !type.includes('OpenBadgeCredential')) {
      throw conflict('Only Open Badges credentials are offered to wallets');
    }
  }

  /** POST /token: the pre-authorized code (and transaction code) for an access token. */
  async function exchangeCode(form: { grant_type?: string; 'pre-authorized_code'?: string; tx_code?: string }) {
    if (!form.grant_type) throw new WalletProtocolError(400, 'invalid_request', 'grant_type is required');
    if (form.grant_type !== PRE_AUTHORIZED_GRANT) throw new WalletProtocolError(400, 'unsupported_grant_type', `Only ${PRE_AUTHORIZED_GRANT} is supported`);
    const code = form['pre-authorized_code'];
    if (!code) throw new WalletProtocolError(400, 'invalid_request', 'pre-authorized_code is required');
    const now = new Date();
    const token = secret();
    // The outcome is decided in one transaction, on the offer's locked row, and thrown after it:
    // a wrong transaction code must be counted, not rolled back with the error.
    const outcome = await db.transaction().execute(async (trx): Promise<WalletProtocolError | null> => {
      const offer = await findOfferForUpdate(trx, sha256(code));
      if (!offer) return new WalletProtocolError(400, 'invalid_grant', 'The pre-authorized code is not one this issuer gave');
      if (offer.used_at) {
        await deleteTokensOfOffer(trx, offer.id);
        return new WalletProtocolError(400, 'invalid_grant', 'The pre-authorized code has been used');
      }
      if (offer.expires_at <= now) return new WalletProtocolError(400, 'invalid_grant', 'The pre-authorized code has expired');
      if (offer.tx_code_hash) {
        // §6.1: a tx_code expected and not sent is invalid_request; a wrong one, invalid_grant.
        if (!form.tx_code) return new WalletProtocolError(400, 'invalid_request', 'tx_code is required for this offer');
        if (sha256(`${offer.id}:${form.tx_code}`) !== offer.tx_code_hash) {
          await recordTxCodeFailure(trx, offer.id, TX_CODE_ATTEMPTS);
          return new WalletProtocolError(400, 'invalid_grant', 'The transaction code is wrong');
        }
      } else if (form.tx_code !== undefined) {
        return new WalletProtocolError(400, 'invalid_request', 'This offer has no transaction code: send no tx_code');
      }
      await markOfferUsed(trx, offer.id);
      await insertAccessToken(trx, {
        tokenHash: sha256(token),
        offerId: offer.id,
        credentialId: offer.credential_id,
        expiresAt: new Date(now.getTime() + ACCESS_TOKEN_LIFETIME_S * 1000),
      });
      return null;
    });
    if (outcome) throw outcome;
    return { access_token: token, token_type: 'Bearer' as const, expires_in: ACCESS_TOKEN_LIFETIME_S };
  }

  /** POST /nonce: a c_nonce, stored (digest) until a proof spends it or it expires. */
  async function newNonce(): Promise<{ c_nonce: string }> {
    const nonce = secret();
    await insertNonce(db, sha256(nonce), new Date(Date.now() + NONCE_LIFETIME_S * 1000));
    return { c_nonce: nonce };
  }

  /** The access token of an Authorization header; invalid_token (401) for none, unknown or expired. */
  async function accessTokenOf(authorization: string | undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!match) throw new WalletProtocolError(401, 'invalid_token', 'Send the access token from the token endpoint as Authorization: Bearer <token>');
    const tokenHash = sha256(match[1]!);
    const row = await findLiveAccessToken(db, tokenHash, new Date());
    if (!row) throw new WalletProtocolError(401, 'invalid_token', 'The access token is unknown or has expired');
    return { tokenHash, credentialId: row.credential_id, configurationIds: row.configuration_ids };
  }

  /**
   * POST /credential: a copy of the token's credential, bound to the holder's key. Signed outside
   * any transaction; stored in one with its wallet_copies row, the original locked meanwhile.
   */
  async function issueToWallet(
    authorization: string | undefined,
    request: { credential_configuration_id?: string; credential_identifier?: string; proofs?: { jwt?: string[] }; proof?: unknown },
  ): Promise<{ credentials: { credential: unknown }[] }> {
    const token = await accessTokenOf(authorization);
    if (request.credential_identifier !== undefined)
      throw new WalletProtocolError(400, 'invalid_credential_request', 'credential_identifier is not used here: send credential_configuration_id');
    const configurationId = request.credential_configuration_id;
    if (!configurationId) throw new WalletProtocolError(400, 'invalid_credential_request', 'credential_configuration_id is required');
    if (!(CONFIGURATION_IDS as readonly string[]).includes(configurationId))
      throw new WalletProtocolError(400, 'unknown_credential_configuration', `Unknown credential configuration ${configurationId.slice(0, 100)}`);
    if (!token.configurationIds.includes(configurationId))
      throw new WalletProtocolError(400, 'credential_request_denied', 'This access token was not given for that configuration');
    if (request.proof !== undefined) throw new WalletProtocolError(400, 'invalid_credential_request', 'Send proofs (OpenID4VCI 1.0), not proof');
    const proofs = request.proofs?.jwt;
    if (!proofs || proofs.length === 0) throw new WalletProtocolError(400, 'invalid_proof', 'proofs.jwt must hold a key proof');
    if (proofs.length > 1) throw new WalletProtocolError(400, 'invalid_proof', 'One key proof per request: batch issuance is not offered');
    const holder = await verifyKeyProof(proofs[0]!, { audience: credentialIssuer, now: new Date() }).catch((error: unknown) => {
      if (error instanceof KeyProofError) throw new WalletProtocolError(400, 'invalid_proof', error.message);
      throw error;
    });
    if (!(await spendNonce(db, sha256(holder.nonce), new Date())))
      throw new WalletProtocolError(400, 'invalid_nonce', 'The c_nonce is unknown, spent or expired: get a new one from the nonce endpoint');
    if (await findCopyForToken(db, token.tokenHash, configurationId))
      throw new WalletProtocolError(400, 'credential_request_denied', 'This access token has already been used for this configuration');

    const original = await findCredentialForOffer(db, token.credentialId);
    if (!original) throw new WalletProtocolError(400, 'credential_request_denied', 'The credential no longer exists');
    denyUnlessActive(original);
    const issuer = await findIssuerById(db, original.issuer_id);
    if (!issuer) throw new WalletProtocolError(400, 'credential_request_denied', 'The credential no longer exists');
    const prepared = await issuance.prepare(issuer, copyPlan(original, holder.did, configurationId));
    try {
      await db.transaction().execute(async (trx) => {
        const locked = await lockCredential(trx, original.id);
        if (!locked) throw new WalletProtocolError(400, 'credential_request_denied', 'The credential no longer exists');
        denyUnlessActive(locked);
        await issuance.store([prepared], trx);
        await insertCopy(trx, { copyId: prepared.id, originalId: original.id, holder: holder.did, configurationId, tokenHash: token.tokenHash });
        if (locked.private) await setPrivate(trx, prepared.id, true);
      });
    } catch (error) {
      // The same token and configuration twice at once: the unique constraint lets one through.
      if (isUniqueViolation(error))
        throw new WalletProtocolError(400, 'credential_request_denied', 'This access token has already been used for this configuration');
      throw error;
    }
    const format = configurations[configurationId as ConfigurationId].format;
    return { credentials: [{ credential: format === 'ldp_vc' ? prepared.credential : prepared.jwt }] };
  }

  function denyUnlessActive(row: { revoked_at: Date | null; suspended_at: Date | null }) {
    if (row.revoked_at) throw new WalletProtocolError(400, 'credential_request_denied', 'The credential has been revoked');
    if (row.suspended_at) throw new WalletProtocolError(400, 'credential_request_denied', 'The credential is suspended');
  }

  /**
   * The copy: the original's document as it was issued (issuer, achievement, dates, evidence, the
   * learner's name and hashed identifiers), at its own id with its own status entry, for the holder's
   * DID. Secured both ways (Data Integrity and an EdDSA JWT), whichever the wallet asked for; never
   * e-mailed (the learner has the original).
   */
  function copyPlan(
    original: { id: string; achievement_id: string | null; learner_id: string; document: unknown; valid_from: Date; valid_until: Date | null },
    holderDid: string,
    configurationId: string,
  ): IssuePlan {
    const { proof: _proof, ...source } = original.document as Record<string, unknown>;
    const subject = source.credentialSubject as Record<string, unknown>;
    const { id: _formerSubjectId, ...subjectRest } = subject;
    const validFrom = source.validFrom as string;
    const validUntil = (source.validUntil as string | undefined) ?? null;
    return {
      build: ({ url, status }) => ({
        ...source,
        validFrom,
        id: url,
        // The subject's id first, as the original's documents put it.
        credentialSubject: { id: holderDid, ...subjectRest },
        // OB 3.0 allows one status entry, as an object; revocation is the one published.
        credentialStatus: {
          id: `${status.listUrl}#${status.index}`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: String(status.index),
          statusListCredential: status.listUrl,
        },
      }),
      securing: { dataIntegrity: true, jwtAlgorithm: 'EdDSA' },
      deliver: false,
      row: {
        achievementId: original.achievement_id,
        learner: { id: original.learner_id },
        idempotencyKey: null,
        requestHash: null,
        callerId: null,
        validFrom,
        validUntil,
        actor: 'wallet',
        auditDetails: { walletCopyOf: original.id, holder: holderDid, configuration: configurationId },
      },
    };
  }

  /** POST /v1/credentials/{id}/offer: an institution's offer for a credential of its own. */
  async function createOfferForIssuer(issuer: IssuerRow, credentialId: string, options: OfferOptions): Promise<WalletOffer & { qrSvg: string }> {
    const original = await findCredentialForOffer(db, credentialId);
    // Another institution's credential is not found (one never learns of another's).
    if (!original || original.issuer_id !== issuer.id) throw notFound(`Credential ${credentialId}`);
    const offer = await createOffer(credentialId, options);
    return { ...offer, qrSvg: await offerQrSvg(offer.offerUri) };
  }

  return {
    issuerMetadata,
    authorizationServerMetadata,
    createOffer,
    createOfferForIssuer,
    exchangeCode,
    newNonce,
    issueToWallet,
    /** The access token of an Authorization header, or invalid_token (401). */
    requireAccessToken: accessTokenOf,
  };
}

/**
 * The offer as an SVG QR code. Error correction 'L': an offer URI is long (≈ 500 characters) and
 * shown on a screen, where the smallest symbol scans best.
 */
export async function offerQrSvg(offerUri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode'); // on first use, as in src/pages/qr.ts
  return QRCode.toString(offerUri, { type: 'svg', errorCorrectionLevel: 'L', margin: 4 });
}
