import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createStore, type Store } from '../store/store.js';
import { createHttpServer, type HttpServer } from '../server/http-server.js';
import { shutDownGracefully, type ShutdownStep } from '../server/graceful-shutdown.js';
import type { HealthCheck } from '../server/health.js';

export interface RunningServer {
  config: Config;
  store: Store;
  http: HttpServer;
  port: number;
  shutdown(): Promise<boolean>;
}

/**
 * Builds the one-process server (bot, auth, tab API, notifications, worker) from validated config:
 * opens the store and migrates it, mounts every surface on one restify server, and listens.
 */
export async function composeServer(
  config: Config,
  logger: Logger,
  extraChecks: HealthCheck[] = [],
): Promise<RunningServer> {
  const store = createStore({ sqlitePath: config.SQLITE_PATH, databaseUrl: config.DATABASE_URL, logger });
  await store.migrate();

  const healthChecks: HealthCheck[] = [{ name: 'store', check: () => store.ping() }, ...extraChecks];
  const http = createHttpServer({ logger, healthChecks });
  const steps: ShutdownStep[] = [{ name: 'store', run: () => store.close() }];

  const port = await http.listen(config.PORT);
  logger.info({ port, dialect: store.dialect }, 'server listening');
  return {
    config,
    store,
    http,
    port,
    shutdown: () => shutDownGracefully({ http, logger, steps, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  };
}
