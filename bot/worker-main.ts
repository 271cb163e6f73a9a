/**
 * `npm run worker`: a sync worker alone, for scale-out (several of these against one PostgreSQL, the
 * bot and API in their own processes). Runs until SIGTERM/SIGINT, then finishes the page in hand,
 * releases its leases and closes the store.
 */
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/env-files.js';
import { createLogger } from './logging/logger.js';
import { createStore } from './store/store.js';
import { createSyncWorkerFromConfig } from './sync/worker-setup.js';
import { tokenCipherFromConfig } from './vault/token-cipher.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV !== 'production',
    name: 'sync-worker',
  });
  const store = createStore({ sqlitePath: config.SQLITE_PATH, databaseUrl: config.DATABASE_URL, logger });
  await store.migrate();
  const { worker } = createSyncWorkerFromConfig(config, {
    store,
    logger,
    cipher: tokenCipherFromConfig(config),
  });
  worker.start();
  logger.info({ owner: worker.owner, dialect: store.dialect }, 'sync worker started');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'sync worker stopping');
    worker
      .stop()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error(
            { err: err instanceof Error ? err.message : String(err) },
            'sync worker stopped with an error',
          );
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
