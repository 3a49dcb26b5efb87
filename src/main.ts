/** Reads the config, migrates, builds the app, listens; closes with grace on SIGTERM/SIGINT. */
import { type Config, ConfigError, loadConfig } from './config.js';
import { loadKeyEncryptionKey } from './crypto/key-encryption.js';
import { pgliteDir, startDatabaseThread } from './db/database-thread.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`ieum: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  // The embedded database's thread starts first, before Kysely or the app is loaded: opening
  // PGlite (~0.5–1 s) runs while the app's modules load and the app is built (~1 s). Nothing
  // answers before the migrations and the key check below.
  const thread = config.databaseUrl ? undefined : startDatabaseThread(pgliteDir(config.dataDir));
  const appModule = import('./app.js');
  // Their failures are met below, in this order (the thread's through `opened`); until then they
  // must not count as unhandled, which would end the process with a stack trace.
  thread?.catch(() => {});
  appModule.catch(() => {});
  const [{ migrateToLatest, openDatabase }, { checkKeyEncryptionKey, WrongKeyEncryptionKey }] = await Promise.all([
    import('./db/database.js'),
    import('./db/key-encryption-check.js'),
  ]);
  const { db, opened } = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, thread });
  opened.catch(() => {});
  const kek = await loadKeyEncryptionKey(config.keyEncryptionKey, config.keysDir);
  const { buildApp } = await appModule;
  const app = await buildApp(config, { db, kek, closeDatabase: true });
  await app.ready();
  await opened;
  await migrateToLatest(db);
  try {
    await checkKeyEncryptionKey(db, kek);
  } catch (error) {
    if (error instanceof WrongKeyEncryptionKey) {
      console.error(`ieum: ${error.message}`);
      await db.destroy();
      process.exit(2);
    }
    throw error;
  }

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing: finishing in-flight requests');
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info(`Ieum is listening; public URL ${config.publicUrl}; database ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`}`);
}

main().catch((error) => {
  console.error(`ieum: failed to start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
