/**
 * The learner tests' view of the real SMTP server (test/helpers/mail-sink.ts, which runs
 * `bin/mail-sink.mjs`): mails by recipient, and the sign-in links in them.
 */
import type { AddressObject } from 'mailparser';
import { startMailSink as startSink } from './mail-sink.js';
import { waitUntil } from './wait.js';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailSink {
  smtpUrl: string;
  /** Every mail received so far, in arrival order. */
  mails(): Promise<ReceivedMail[]>;
  /**
   * Waits until `count` sign-in mails have arrived for `to`, and returns them (credential deliveries
   * to the same address are left out).
   */
  waitForMails(to: string, count?: number): Promise<ReceivedMail[]>;
  /** The sign-in mails received so far for `to`. */
  signInMails(to: string): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  ([] as AddressObject[]).concat(field ?? []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));

const SIGN_IN_LINK = /https?:\/\/\S+\/me\/sign-in\?token=[A-Za-z0-9_-]+/;

export async function startMailSink(): Promise<MailSink> {
  const sink = await startSink();
  const mails = async (): Promise<ReceivedMail[]> =>
    (await sink.mails()).map((m) => ({ to: addresses(m.to), subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '' }));
  const signInMails = async (to: string) => (await mails()).filter((m) => m.to.includes(to.toLowerCase()) && SIGN_IN_LINK.test(m.text));
  return {
    smtpUrl: sink.smtpUrl,
    mails,
    signInMails,
    async waitForMails(to, count = 1) {
      let found: ReceivedMail[] = [];
      await waitUntil(`${count} sign-in mail(s) to ${to}`, async () => {
        found = await signInMails(to);
        return found.length >= count;
      });
      return found;
    },
    close: () => sink.close(),
  };
}

/** The sign-in link in a mail's text. */
export function signInLinkIn(mail: ReceivedMail): string {
  const match = SIGN_IN_LINK.exec(mail.text);
  if (!match) throw new Error(`no sign-in link in: ${mail.text}`);
  return match[0];
}
