/**
 * Every service, wired explicitly from the database, the key-encryption key and the config. Routes
 * get these services and nothing else: neither the database nor the config.
 */
import { createAchievementService } from './achievements/achievement.service.js';
import { createAuditService } from './audit/audit.service.js';
import { createApiKeyCache } from './auth/auth.js';
import type { Config } from './config.js';
import { createClrService } from './clr/clr.service.js';
import { createCertificateService } from './certificates/certificate.service.js';
import { createBatchService } from './credentials/batch.service.js';
import { createCredentialService } from './credentials/credential.service.js';
import { createKeyStore } from './issuers/key-store.js';
import { createInlineSigner, createPoolSigner } from './crypto/signer.js';
import type { Db } from './db/database.js';
import { createHealthService } from './health/health.service.js';
import { createHoursReportService } from './hours/hours-report.service.js';
import { createIssuance } from './issuance/issuance.service.js';
import { createHoursService } from './hours/hours.service.js';
import { createIssuerService } from './issuers/issuer.service.js';
import { createPageService } from './pages/page.service.js';
import { createRegistryService } from './registry/registry.service.js';
import { createStatusChanges } from './status/status-changes.js';
import { createStatusService } from './status/status.service.js';
import { createMailer } from './mail/mailer.js';
import { createDeliverySender, type DeliveryTiming, type MailWalletOffer } from './delivery/delivery.sender.js';
import { createKeyResolver } from './verify/key-resolver.js';
import { createLearnerService } from './me/me.service.js';
import { createSignInService } from './me/sign-in.service.js';
import { createVcApiService } from './vcapi/vcapi.service.js';
import { createVerifyService } from './verify/verify.service.js';
import { createWalletService } from './wallets/wallet.service.js';
import { createUrls } from './urls.js';

export interface ServiceOptions {
  /** Signs in worker threads (default) or inline on the calling thread. */
  signing?: 'pool' | 'inline';
  /** Entries per status list; the spec's minimum unless a test needs a small list. */
  statusListCapacity?: number;
  /** The e-mail outbox's polling, lease and retries (src/delivery); production defaults unless a test shrinks them. */
  delivery?: Partial<DeliveryTiming>;
}

export function createServices(config: Config, db: Db, kek: Buffer, options: ServiceOptions = {}) {
  const urls = createUrls(config.publicUrl);
  // Every mail leaves through this one pool of SMTP connections (credential deliveries, sign-in links).
  const mailer = createMailer(config);
  const keys = createKeyStore(db, kek);
  const signer = options.signing === 'inline' ? createInlineSigner() : createPoolSigner();
  const apiKeys = createApiKeyCache();
  const issuers = createIssuerService({ db, keys, urls, apiKeys });
  const achievements = createAchievementService({ db, urls, issuers });
  // Printable certificates (PDF) and each institution's look on them.
  const certificates = createCertificateService({ db, urls, issuers });
  const statusChanges = createStatusChanges();
  const status = createStatusService({ db, urls, keys, capacity: options.statusListCapacity });
  const registry = createRegistryService({ db });
  const keyResolver = createKeyResolver({ urls, issuers, registry });
  const verify = createVerifyService({ db, urls, keys: keyResolver, registry, status, signer, statusChanges });
  const pages = createPageService({ db, urls, verify, statusChanges });
  // Credentials reach their learners by e-mail through a durable outbox; its sender starts with the app.
  // Her mail carries a wallet offer (a week long, since mail waits to be read); `wallets` is made
  // below, from the issuance core that needs this sender, and is called only once mail goes out.
  const walletOffer: MailWalletOffer = (id) => wallets.createOffer(id, { actor: 'delivery', lifetimeSeconds: 7 * 24 * 3600 });
  const delivery = createDeliverySender({ db, mailer, urls, pages, walletOffer, timing: options.delivery });
  // Every credential is signed and stored through the issuance core.
  const issuance = createIssuance({ db, urls, keys, status, signer, outbox: delivery });
  const credentials = createCredentialService({ db, urls, issuers, achievements, status, issuance, statusChanges, outbox: delivery });
  const batches = createBatchService({ db, urls, achievements, credentials, issuance });
  const hours = createHoursService({ db, urls, achievements, credentials, issuance });
  const clr = createClrService({ db, issuers, issuance });
  const vcapi = createVcApiService({ db, urls, issuance });
  const hoursReport = createHoursReportService({ db, urls, hours });
  // The learner's own part: sign-in by e-mail link, and her credentials across institutions.
  const signIn = createSignInService({ db, urls, mailer });
  // Wallets (OpenID4VCI): offers, tokens, nonces, and holder-bound copies issued through the core.
  const wallets = createWalletService({ db, urls, issuance, statusChanges });
  const learners = createLearnerService({ db, urls, pages, wallets });
  const audit = createAuditService({ db });
  const health = createHealthService({ db });
  return {
    urls,
    mailer,
    delivery,
    keys,
    apiKeys,
    signer,
    issuers,
    achievements,
    certificates,
    status,
    credentials,
    registry,
    keyResolver,
    verify,
    pages,
    hours,
    hoursReport,
    batches,
    clr,
    vcapi,
    audit,
    health,
    signIn,
    learners,
    wallets,
  };
}

export type Services = ReturnType<typeof createServices>;
