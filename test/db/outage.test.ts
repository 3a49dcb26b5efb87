/**
 * The database goes away under load: the service answers 503 problem+json within its timeouts,
 * never crashes or hangs, and recovers by itself when the database is back. The outage is a TCP
 * proxy between the service and PostgreSQL that we cut and restore (PostgreSQL itself serves the
 * other test files meanwhile).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.js';
import { ADMIN_TOKEN, onPostgres } from '../helpers/app.js';
import { createAchievement, createIssuer, issueCredential } from '../helpers/fixtures.js';
import { waitUntil } from '../helpers/wait.js';

function createProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      server!.close(() => resolve());
    });
  return {
    open,
    cut,
    get port() {
      return port;
    },
  };
}

describe.skipIf(!onPostgres())('a PostgreSQL outage', () => {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const proxy = createProxy({ host: url.hostname, port: Number(url.port || 5432) });
  let direct: Db;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    direct = await createDatabase({ databaseUrl: url.toString(), schema });
    await migrateToLatest(direct, schema);
    await proxy.open();
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    const config = loadConfig({ PUBLIC_URL: 'https://badges.example.kr', ADMIN_TOKEN, LOG_LEVEL: 'silent', DATABASE_URL: viaProxy.toString() });
    const db = await createDatabase({ databaseUrl: config.databaseUrl, schema });
    app = await buildApp(config, { db, kek: randomBytes(32), closeDatabase: true });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(direct);
    await direct.destroy();
  });

  it('answers 503 while it is away and recovers without a restart', async () => {
    const issuer = await createIssuer(app);
    const achievement = await createAchievement(app, issuer);
    const credential = await issueCredential(app, issuer, achievement.id);

    await proxy.cut();
    const during = await Promise.all([
      app.inject({ method: 'GET', url: '/health' }),
      app.inject({ method: 'GET', url: `/v1/credentials/${credential.id}`, headers: issuer.headers }),
      app.inject({
        method: 'POST',
        url: '/v1/credentials',
        headers: issuer.headers,
        payload: { achievementId: achievement.id, recipient: { name: '김민지', email: 'outage@example.com' } },
      }),
      app.inject({ method: 'POST', url: '/v1/verify', payload: { credential: credential.credential } }),
    ]);
    for (const res of during) {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }

    await proxy.open();
    await waitUntil('/health answers 200 again', async () => (await app.inject({ method: 'GET', url: '/health' })).statusCode === 200, {
      tries: 50,
      pauseMs: 100,
    });
    const after = await app.inject({
      method: 'POST',
      url: '/v1/credentials',
      headers: issuer.headers,
      payload: { achievementId: achievement.id, recipient: { name: '김민지', email: 'after@example.com' } },
    });
    expect(after.statusCode).toBe(201);
    // Nothing from the outage was half-written.
    const rows = await direct.selectFrom('credentials').select('id').execute();
    expect(rows).toHaveLength(2);
  }, 60_000);
});
