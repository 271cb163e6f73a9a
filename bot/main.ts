/** `npm run server`: the bot, auth, tab API and (by default) the sync worker in one process. */
import { loadConfig } from './config/env-files.js';
import { ConfigError } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { onTerminationSignals } from './server/graceful-shutdown.js';
import { startTelemetry } from './telemetry/telemetry.js';

async function main(): Promise<void> {
  const config = loadConfig({ generateLocalKey: true });
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV !== 'production' });
  const connectionString = config.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const telemetry = connectionString ? startTelemetry({ connectionString, role: 'server' }) : undefined;
  // Loaded once telemetry is on, so the HTTP clients and servers it builds are instrumented from the start.
  const { composeServer } = await import('./app/compose-server.js');
  const server = await composeServer(config, logger);
  onTerminationSignals(async () => {
    const clean = await server.shutdown();
    await telemetry?.shutdown();
    return clean;
  }, logger);
}

main().catch((err: unknown) => {
  // A bad configuration is the common start-up failure: say which variables, without a stack.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
