/**
 * The outbox's sender, one per instance (docs/decisions/outbox.md): it claims due rows in small
 * batches (one statement), builds and sends each mail with bounded concurrency, and records what
 * the SMTP server said, each in a statement of its own. No transaction is open while it talks SMTP.
 *
 *   pending --claim (lease, attempts + 1)--> sending --accepted--> sent
 *                                               \--refused/unreachable--> pending (backoff) … failed
 *
 * It looks every `pollMs`, and at once when nudged (a credential committed). While a cohort is
 * issued on this instance it sends nothing new, so that the cohort has the main thread.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { jwtOf } from '../credentials/credential.repository.js';
import type { Db } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import type { PageService } from '../pages/page.service.js';
import { qrPng } from '../pages/qr.js';
import type { Urls } from '../urls.js';
import { credentialMail } from './credential-mail.js';
import { type ClaimedDelivery, claimDueDeliveries, markDeliveryAttemptFailed, markDeliverySent } from './delivery.repository.js';

export interface DeliveryTiming {
  /** How often an idle sender looks for due rows. */
  pollMs: number;
  /** How long a claimed row is this sender's; longer than any one send can take (SMTP timeouts ~50 s). */
  leaseMs: number;
  /** The wait after the first failed attempt; each further one doubles it. */
  backoffMs: number;
  /** Attempts before a delivery is 'failed'. */
  maxAttempts: number;
}

/** 1, 2, 4 … 64 minutes between 8 attempts: about two hours for a mail server to come back. */
export const DEFAULT_DELIVERY_TIMING: DeliveryTiming = { pollMs: 5_000, leaseMs: 5 * 60_000, backoffMs: 60_000, maxAttempts: 8 };

/** Mails in flight at once: the mailer's pool holds as many SMTP connections. */
const CONCURRENCY = 4;
/** Rows claimed at once: small, so a batch is sent well within its lease and other work interleaves. */
const BATCH = 2 * CONCURRENCY;
/** How long closing waits for mails in flight; those not done come due again after their lease. */
const STOP_GRACE_MS = 10_000;

/** Where the sender reports trouble: never with the recipient's address. */
export interface DeliveryLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export type DeliverySender = ReturnType<typeof createDeliverySender>;

/**
 * The Message-ID of one request of one credential's delivery: the same for every attempt of it, so a
 * mail sent again after a crash at the boundary (accepted, not yet recorded) is recognisably the
 * same mail; a resend is a new request and a new id.
 */
export function deliveryMessageId(credentialId: string, request: number, publicUrl: string): string {
  return `<${credentialId}.${request.toString(36)}@${new URL(publicUrl).hostname}>`;
}

/**
 * What a failure is recorded and logged as: the SMTP reply or the network error, with the
 * recipient's address taken out (servers repeat it in their replies), and short.
 */
export function describeSendError(error: unknown, to: string | null): string {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  let text = e.response ?? e.message ?? String(error);
  if (to) text = text.split(to).join('<recipient>');
  const prefix = e.responseCode ? `${e.responseCode} ` : e.code && !text.includes(e.code) ? `${e.code}: ` : '';
  return (prefix + text).replace(/\s+/g, ' ').slice(0, 500);
}

/** Makes her wallet offer for a credential's mail; undefined when the credential cannot be offered (a CLR, say). */
export type MailWalletOffer = (credentialId: string) => Promise<{ offerUri: string; expiresAt: string } | undefined>;

export function createDeliverySender(deps: {
  db: Db;
  mailer: Mailer;
  urls: Urls;
  pages: PageService;
  walletOffer?: MailWalletOffer;
  timing?: Partial<DeliveryTiming> | undefined;
}) {
  const { db, mailer, urls, pages, walletOffer } = deps;
  const timing = { ...DEFAULT_DELIVERY_TIMING, ...deps.timing };
  const meUrl = `${urls.base}/me`;
  let log: DeliveryLog | undefined;
  let started = false;
  let stopping = false;
  let holds = 0;
  let poller: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lookAgain = false;

  /** Runs `drain` unless it is running; a nudge meanwhile makes it look once more when done. */
  function kick(): void {
    if (!started || stopping || holds > 0) return;
    if (running) {
      lookAgain = true;
      return;
    }
    lookAgain = false;
    running = drain().finally(() => {
      running = undefined;
      if (lookAgain) kick();
    });
  }

  async function drain(): Promise<void> {
    try {
      while (!stopping && holds === 0) {
        const due = await claimDueDeliveries(db, { limit: BATCH, leaseMs: timing.leaseMs });
        if (due.length === 0) return;
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(CONCURRENCY, due.length) }, async () => {
            while (next < due.length) await sendOne(due[next++]!);
          }),
        );
      }
    } catch (error) {
      // The database did not answer: the next poll tries again; claimed rows come back after their lease.
      if (!stopping) log?.warn({ err: describeSendError(error, null) }, 'delivery: could not read the outbox');
    }
  }

  async function sendOne(claimed: ClaimedDelivery): Promise<void> {
    // Building a mail is main-thread work (the QR above all): let requests in between mails.
    await yieldToLoop();
    const { credentialId, email } = claimed;
    try {
      if (!email) throw new Error('the learner has no e-mail address any more');
      const pageUrl = urls.credential(credentialId);
      const found = {
        id: credentialId,
        url: pageUrl,
        credential: claimed.document,
        jwt: jwtOf(claimed),
        kind: claimed.kind ?? 'training_hours',
        image: claimed.image,
      };
      const [qr, badge, offer] = await Promise.all([qrPng(pageUrl, { scale: 1 }), pages.badgePng(found, 'ko'), walletOfferFor(credentialId)]);
      await mailer.send(
        credentialMail({
          to: email,
          learnerName: claimed.learnerName.trim(),
          credential: claimed.document,
          pageUrl,
          meUrl,
          qrPng: qr,
          badgePng: badge,
          messageId: deliveryMessageId(credentialId, claimed.request, urls.base),
          walletOffer: offer,
        }),
      );
    } catch (error) {
      // Closing cuts sends short: not a failure of the delivery, whose lease brings it back.
      if (stopping) return;
      const reason = describeSendError(error, email);
      const last = claimed.attempts >= timing.maxAttempts;
      log?.warn({ credentialId, attempt: claimed.attempts, err: reason }, last ? 'delivery: failed, no attempts left' : 'delivery: attempt failed, will retry');
      await record(() => markDeliveryAttemptFailed(db, claimed, reason, last ? null : timing.backoffMs * 2 ** (claimed.attempts - 1)));
      return;
    }
    await record(() => markDeliverySent(db, credentialId, claimed.request));
  }

  /** The mail's wallet offer with its QR; a mail goes without one rather than not at all. */
  async function walletOfferFor(credentialId: string) {
    if (!walletOffer) return undefined;
    try {
      const offer = await walletOffer(credentialId);
      return offer && { ...offer, qrPng: await qrPng(offer.offerUri, { scale: 1 }) };
    } catch {
      return undefined;
    }
  }

  /** A record that cannot be written leaves the row claimed: it comes due after its lease and is sent again, with the same Message-ID. */
  async function record(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      log?.warn({ err: describeSendError(error, null) }, 'delivery: could not record a delivery');
    }
  }

  return {
    /** Whether mail goes out (SMTP_URL set). */
    sending: mailer.configured,

    /** Starts polling, once the service answers and its database is migrated; nothing when mail is not configured. */
    start(logger: DeliveryLog): void {
      if (!mailer.configured || started) return;
      log = logger;
      started = true;
      poller = setInterval(kick, timing.pollMs);
      poller.unref();
      kick();
    },

    nudge: kick,

    hold(): () => void {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        kick();
      };
    },

    /** Stops claiming and waits (a little) for the mails in flight to be recorded; before the database closes. */
    async stop(): Promise<void> {
      stopping = true;
      clearInterval(poller);
      if (!running) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS).unref()))]);
      clearTimeout(timer);
    },
  };
}
