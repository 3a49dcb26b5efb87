/**
 * The outbox's promises that only separate processes can break. On one PostgreSQL: two instances
 * share the mail and send none of it twice; a kill -9 in the middle of a cohort, and another in the
 * middle of sending, lose no committed credential's mail and never give one credential two
 * different Message-IDs. On PGlite (one instance): a kill -9 in the middle of a cohort loses none of
 * its committed mail. Real service processes and a real SMTP server (bin/mail-sink.mjs).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, onPostgres } from '../helpers/app.js';
import { type MailSink, startMailSink } from '../helpers/mail-sink.js';
import { callService as call, createScratchDatabase, type ServiceProcess, startService } from '../helpers/process.js';
import { waitUntil } from '../helpers/wait.js';

const KEK = randomBytes(32).toString('hex');
const PUBLIC_URL = 'https://badges.example.kr';

/** The credential a mail is for, from its Message-ID (`<credential id>.<request>@host`). */
const credentialOf = (mail: ParsedMail) => /^<([0-9a-f-]{36})\./.exec(mail.messageId ?? '')?.[1];

/** Message-IDs seen per credential. */
function messageIdsByCredential(mails: ParsedMail[]): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  for (const mail of mails) {
    const id = credentialOf(mail)!;
    expect(mail.html && String(mail.html)).toContain(`/c/${id}`);
    by.set(id, (by.get(id) ?? new Set()).add(mail.messageId!));
  }
  return by;
}

describe.skipIf(!onPostgres())('the outbox across service processes on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let client: pg.Client;
  let sink: MailSink;
  let env: Record<string, string>;
  const services: ServiceProcess[] = [];
  let token: string;
  let achievementId: string;

  const start = async () => {
    const service = await startService(env);
    services.push(service);
    return service;
  };
  const scalar = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0].n as number;

  beforeAll(async () => {
    database = await createScratchDatabase();
    sink = await startMailSink();
    env = { DATABASE_URL: database.url, KEY_ENCRYPTION_KEY: KEK, ADMIN_TOKEN, PUBLIC_URL, SMTP_URL: sink.smtpUrl };
    client = new pg.Client({ connectionString: database.url });
    const first = await start();
    await client.connect();
    const issuer = await call(first.url, 'POST', '/v1/issuers', ADMIN_TOKEN, {
      slug: 'mail-process',
      name: '메일 시험기관',
      url: 'https://x.example',
      email: 'x@x.example',
    });
    token = issuer.body.apiKey.token;
    const achievement = await call(first.url, 'POST', '/v1/achievements', token, {
      kind: 'course',
      name: '메일 과정',
      description: 'd',
      criteria: { narrative: 'n' },
    });
    achievementId = achievement.body.id;
    await first.stop();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await Promise.all(services.map((s) => s.stop()));
    await sink?.close();
    await database?.drop();
  }, 60_000);

  it('shares one outbox between two instances: each credential mailed once', async () => {
    const before = sink.count();
    const [a, b] = await Promise.all([start(), start()]);
    const lines = ['name,email', ...Array.from({ length: 300 }, (_, i) => `수강생${i},shared${i}@example.com`)];
    // A cohort on one instance (whose sender waits for it; the other's does not) and single issues on both.
    const [cohort, ...singles] = await Promise.all([
      call(a.url, 'POST', `/v1/credentials/batch?achievementId=${achievementId}`, token, lines.join('\n'), { 'content-type': 'text/csv' }),
      ...Array.from({ length: 40 }, (_, i) =>
        call(i % 2 === 0 ? a.url : b.url, 'POST', '/v1/credentials', token, {
          achievementId,
          recipient: { name: `단일${i}`, email: `single${i}@example.com` },
        }),
      ),
    ]);
    expect(cohort.body.issued).toBe(300);
    expect(singles.every((r) => r.status === 201)).toBe(true);

    await waitUntil('all 340 deliveries sent', async () => (await scalar("select count(*)::int as n from deliveries where state = 'sent'")) === 340, {
      tries: 1200,
      pauseMs: 100,
    });
    const mails = (await sink.mails()).slice(before);
    expect(mails).toHaveLength(340);
    const byCredential = messageIdsByCredential(mails);
    expect(byCredential.size).toBe(340);
    for (const output of [a.output(), b.output()]) expect(output).not.toMatch(/@example\.com/);
    await Promise.all([a.stop(), b.stop()]);
  }, 180_000);

  it('loses no committed mail and never gives a credential two Message-IDs across kill -9 mid-cohort and mid-send', async () => {
    const before = sink.count();
    let service = await start();
    const achievement = await call(service.url, 'POST', '/v1/achievements', token, {
      kind: 'course',
      name: '중단 과정',
      description: 'd',
      criteria: { narrative: 'n' },
    });
    const lines = ['name,email', ...Array.from({ length: 1500 }, (_, i) => `수강생${i},crash${i}@example.com`)];
    const inFlight = call(service.url, 'POST', `/v1/credentials/batch?achievementId=${achievement.body.id}`, token, lines.join('\n'), {
      'content-type': 'text/csv',
    }).catch((error) => ({ status: 0, body: String(error) }));
    const issued = async () => scalar('select count(*)::int as n from credentials where achievement_id = $1', [achievement.body.id]);
    await waitUntil('the first chunk stored', async () => (await issued()) >= 500, { tries: 600, pauseMs: 50 });
    await service.kill();
    expect((await inFlight).status).toBe(0);
    // A statement the killed process had sent still runs to its end: count once no other session is busy.
    const busy = () =>
      scalar("select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'");
    await waitUntil('no other session busy', async () => (await busy()) === 0, { tries: 600, pauseMs: 50 });
    const committed = (await client.query('select id from credentials where achievement_id = $1', [achievement.body.id])).rows.map((r) => r.id as string);
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.length).toBeLessThan(1500);
    // Every committed credential has its outbox row: they were written in one statement.
    expect(
      await scalar(
        "select count(*)::int as n from deliveries d join credentials c on c.id = d.credential_id where c.achievement_id = $1 and d.state = 'pending'",
        [achievement.body.id],
      ),
    ).toBe(committed.length);

    // Restarted, it sends them; killed again in the middle of sending.
    service = await start();
    await waitUntil('some of the mail sent', () => sink.count() - before >= 100, { tries: 1200, pauseMs: 25 });
    await service.kill();
    await waitUntil('no other session busy', async () => (await busy()) === 0, { tries: 600, pauseMs: 50 });
    // The dead sender's claimed rows wait for their lease (5 minutes); move it on rather than wait.
    await client.query("update deliveries set next_attempt_at = now() where state = 'pending'");

    service = await start();
    await waitUntil(
      'every committed credential mailed and recorded',
      async () =>
        (await scalar(
          "select count(*)::int as n from deliveries d join credentials c on c.id = d.credential_id where c.achievement_id = $1 and d.state = 'sent'",
          [achievement.body.id],
        )) === committed.length,
      { tries: 1200, pauseMs: 100 },
    );
    const byCredential = messageIdsByCredential((await sink.mails()).slice(before));
    expect([...byCredential.keys()].sort()).toEqual([...committed].sort());
    // A mail may arrive twice only at the crash boundary: the SMTP server accepted it and the process
    // died before recording 'sent', so the lease brought it back and it went again. Outbox delivery is
    // at least once; what makes the copy harmless is that it is the same mail, under the same
    // Message-ID (docs/decisions/outbox.md). Two different Message-IDs would be two mails.
    for (const [id, messageIds] of byCredential) expect([id, messageIds.size]).toEqual([id, 1]);
    for (const s of services) expect(s.output()).not.toMatch(/@example\.com/);
  }, 300_000);
});

describe.skipIf(onPostgres())('one service on PGlite, killed -9 in the middle of a cohort', () => {
  let dir: string;
  let sink: MailSink;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ieum-mail-crash-'));
    sink = await startMailSink();
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('restarted, mails every credential the cohort committed, each under one Message-ID', async () => {
    const env = { DATABASE_URL: '', DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys'), ADMIN_TOKEN, PUBLIC_URL, SMTP_URL: sink.smtpUrl };
    service = await startService(env);
    const issuer = await call(service.url, 'POST', '/v1/issuers', ADMIN_TOKEN, {
      slug: 'mail-pglite',
      name: '메일 시험기관',
      url: 'https://x.example',
      email: 'x@x.example',
    });
    const token = issuer.body.apiKey.token;
    const achievement = await call(service.url, 'POST', '/v1/achievements', token, {
      kind: 'course',
      name: '중단 과정',
      description: 'd',
      criteria: { narrative: 'n' },
    });
    const listPath = `/v1/credentials?achievementId=${achievement.body.id}&limit=200`;
    const lines = ['name,email', ...Array.from({ length: 1500 }, (_, i) => `수강생${i},crash${i}@example.com`)];
    const inFlight = call(service.url, 'POST', `/v1/credentials/batch?achievementId=${achievement.body.id}`, token, lines.join('\n'), {
      'content-type': 'text/csv',
    }).catch((error) => ({ status: 0, body: String(error) }));
    const running = service;
    await waitUntil('the first chunk stored', async () => (await call(running.url, 'GET', listPath, token)).body.items.length > 0, { tries: 600, pauseMs: 50 });
    await service.kill();
    expect((await inFlight).status).toBe(0);

    service = await startService(env);
    /** Every credential of the cohort that was committed, with its delivery, through the API. */
    const committed = async () => {
      const all: { id: string; delivery: { state: string } }[] = [];
      let cursor = '';
      for (;;) {
        const page = await call(service!.url, 'GET', `${listPath}${cursor}`, token);
        all.push(...page.body.items);
        if (!page.body.nextCursor) return all;
        cursor = `&cursor=${page.body.nextCursor}`;
      }
    };
    const stored = await committed();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(1500);
    await waitUntil('every committed credential mailed and recorded', async () => (await committed()).every((c) => c.delivery.state === 'sent'), {
      tries: 600,
      pauseMs: 200,
    });
    const byCredential = messageIdsByCredential(await sink.mails());
    expect([...byCredential.keys()].sort()).toEqual(stored.map((c) => c.id).sort());
    for (const [id, messageIds] of byCredential) expect([id, messageIds.size]).toEqual([id, 1]);
    expect(service.output()).not.toMatch(/@example\.com/);
  }, 300_000);
});
