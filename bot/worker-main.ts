/**
 * `npm run worker`: a sync worker alone, for scale-out (several of these against one PostgreSQL, the
 * bot and API in their own processes). Runs until SIGTERM/SIGINT, then finishes the page in hand,
 * releases its leases and closes the store. With WORKER_HEALTH_PORT set it also answers GET /healthz
 * there, which App Service's health check probes.
 */
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/env-files.js';
import { createLogger } from './logging/logger.js';
import { onTerminationSignals, shutDownGracefully, type ShutdownStep } from './server/graceful-shutdown.js';
import { startTelemetry } from './telemetry/telemetry.js';

async function main(): Promise<void> {
  const config = loadConfig({ processRole: 'worker' });
  const logger = createLogger({
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV !== 'production',
    name: 'sync-worker',
  });
  const connectionString = config.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const telemetry = connectionString ? startTelemetry({ connectionString, role: 'worker' }) : undefined;
  // Loaded once telemetry is on, so the Graph and sign-in clients they build are instrumented.
  const [
    { createHttpServer },
    { createStore },
    { storeOptionsFromConfig },
    { createSyncWorkerFromConfig },
    { syncWorkerShutdownStep },
    { tokenCipherFromConfig },
  ] = await Promise.all([
    import('./server/http-server.js'),
    import('./store/store.js'),
    import('./store/store-from-config.js'),
    import('./sync/worker-setup.js'),
    import('./sync/worker.js'),
    import('./vault/token-cipher.js'),
  ]);
  const store = createStore(storeOptionsFromConfig(config, logger));
  await store.migrate();
  const { worker } = createSyncWorkerFromConfig(config, {
    store,
    logger,
    cipher: tokenCipherFromConfig(config),
  });
  const http = createHttpServer({ logger, healthChecks: [{ name: 'store', check: () => store.ping() }] });
  if (config.WORKER_HEALTH_PORT !== undefined) await http.listen(config.WORKER_HEALTH_PORT);
  worker.start();
  logger.info(
    { owner: worker.owner, dialect: store.dialect, healthPort: config.WORKER_HEALTH_PORT },
    'sync worker started',
  );

  const steps: ShutdownStep[] = [syncWorkerShutdownStep(worker), { name: 'store', run: () => store.close() }];
  if (telemetry) steps.push({ name: 'telemetry', run: () => telemetry.shutdown() });
  onTerminationSignals(
    () => shutDownGracefully({ http, logger, steps, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
    logger,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
