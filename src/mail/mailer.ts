/**
 * The one way mail leaves the service: nodemailer over the SMTP server SMTP_URL names, with a pool
 * of connections so a cohort's mails reuse them. Without SMTP_URL the mailer is not configured and
 * sends nothing; callers record that rather than fail.
 */
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  /** Referenced from the HTML as `cid:<cid>` (an inline image). */
  cid?: string;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
  /** A Message-ID of our choosing, so a copy sent again after a crash is recognisably the same mail. */
  messageId?: string;
}

export interface Mailer {
  readonly configured: boolean;
  /** Resolves once the SMTP server has accepted the mail; rejects with its reason otherwise. */
  send(mail: Mail): Promise<void>;
  close(): void;
}

export function createMailer(options: { smtpUrl: string | undefined; mailFrom: string }): Mailer {
  const { smtpUrl, mailFrom } = options;
  if (!smtpUrl) {
    return {
      configured: false,
      send: () => Promise.reject(new Error('SMTP_URL is not set')),
      close: () => {},
    };
  }
  // Loaded only where mail is configured: nodemailer is ~2 MiB of a service's memory.
  const transport = import('nodemailer').then(({ default: nodemailer }) =>
    nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: 4,
      // A server that does not answer must not hold a delivery for minutes: it is retried later.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } satisfies SMTPPool.Options),
  );
  return {
    configured: true,
    async send(mail) {
      await (await transport).sendMail({ from: mailFrom, ...mail });
    },
    close: () => void transport.then((t) => t.close()),
  };
}
