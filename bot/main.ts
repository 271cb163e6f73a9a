/** `npm run server`: the bot, auth, tab API and (by default) the sync worker in one process. */
import { loadConfig } from './config/env-files.js';
import { ConfigError } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { composeServer } from './app/compose-server.js';
import { onTerminationSignals } from './server/graceful-shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig({ generateLocalKey: true });
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV !== 'production' });
  const server = await composeServer(config, logger);
  onTerminationSignals(server.shutdown, logger);
}

main().catch((err: unknown) => {
  // A bad configuration is the common start-up failure: say which variables, without a stack.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
