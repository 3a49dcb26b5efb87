/**
 * A real SMTP server for tests: `bin/mail-sink.mjs` (the smtp-server package) as a child process,
 * writing each mail it accepts as an .eml file; read back parsed by mailparser. It can go down and
 * come back on the same port, as a mail server does.
 *
 *   const sink = await startMailSink();
 *   const t = await buildTestApp({ env: { SMTP_URL: sink.smtpUrl }, deps: { delivery: { pollMs: 100 } } });
 *   await t.app.listen({ port: 0, host: '127.0.0.1' });   // the outbox's sender starts once the app listens
 *   … issue a credential …
 *   const [mail] = await sink.waitForMails(1);              // mailparser's ParsedMail: subject, text, html, attachments
 *   await sink.close();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParsedMail, simpleParser } from 'mailparser';
import { waitUntil } from './wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface MailSink {
  port: number;
  /** For SMTP_URL. */
  smtpUrl: string;
  /** How many mails it has accepted (cheap: counts files). */
  count(): number;
  /** Every mail accepted so far, parsed, in the order they arrived. */
  mails(): Promise<ParsedMail[]>;
  /** Waits until at least `count` mails have arrived (60 s at most); returns them all. */
  waitForMails(count: number): Promise<ParsedMail[]>;
  /** The server goes down at once (SIGKILL): connections refused from now on. Mails received are kept. */
  stop(): Promise<void>;
  /** The server comes back on the same port (stopped first if it is running). */
  restart(): Promise<void>;
  /** Stops it and removes what it received. */
  close(): Promise<void>;
}

export async function startMailSink(): Promise<MailSink> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ieum-mail-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const parsed = new Map<string, ParsedMail>();

  async function launch(): Promise<void> {
    const started = spawn(process.execPath, [path.join(root, 'bin/mail-sink.mjs'), '--port', String(port), '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    let output = '';
    port = await new Promise<number>((resolve, reject) => {
      started.stdout!.on('data', (chunk) => {
        output += chunk;
        const listening = /listening on (\d+)/.exec(output);
        if (listening) resolve(Number(listening[1]));
      });
      started.stderr!.on('data', (chunk) => (output += chunk));
      started.once('exit', () => reject(new Error(`mail-sink exited: ${output}`)));
    });
  }

  const files = () =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.eml'))
      .sort((a, b) => {
        // Names are <ms>-<pid>-<n>: arrival order across restarts.
        const [ta, pa, na] = a.split(/[-.]/).map(Number);
        const [tb, pb, nb] = b.split(/[-.]/).map(Number);
        return ta! - tb! || pa! - pb! || na! - nb!;
      });

  async function mails(): Promise<ParsedMail[]> {
    const all: ParsedMail[] = [];
    for (const name of files()) {
      let mail = parsed.get(name);
      if (!mail) {
        // The HTML as sent: inline images stay `cid:` references (not data: URIs).
        mail = await simpleParser(readFileSync(path.join(dir, name)), { keepCidLinks: true });
        parsed.set(name, mail);
      }
      all.push(mail);
    }
    return all;
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  await launch();
  return {
    get port() {
      return port;
    },
    get smtpUrl() {
      return `smtp://127.0.0.1:${port}`;
    },
    count: () => files().length,
    mails,
    async waitForMails(count) {
      await waitUntil(`${count} mails in the sink`, () => files().length >= count, { tries: 1200, pauseMs: 50 });
      return mails();
    },
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
