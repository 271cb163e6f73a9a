import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createStore, type Store } from '../store/store.js';
import { storeOptionsFromConfig } from '../store/store-from-config.js';
import { createHttpServer, type HttpServer } from '../server/http-server.js';
import { shutDownGracefully, type ShutdownStep } from '../server/graceful-shutdown.js';
import type { HealthCheck } from '../server/healthz.js';
import { loadTrustedCa, trustedFetch } from '../net/tls-trust.js';
import { tokenCipherFromConfig } from '../vault/token-cipher.js';
import { mountTabSurface } from './mount-tab.js';
import { mountBot } from './mount-bot.js';
import { createSyncWorkerFromConfig, notificationHealthFromConfig } from '../sync/worker-setup.js';
import { syncWorkerShutdownStep, type SyncWorker } from '../sync/worker.js';
import { registerNotificationRoutes } from '../sync/notification-routes.js';
import { createSyncRequester } from '../sync/sync-requests.js';
import { registerCrmDiaryRoutes } from '../crm/diary/diary-routes.js';
import { createStoreCrmDiary, ownerAccountOf } from '../crm/diary/store-crm-diary.js';

export interface RunningServer {
  config: Config;
  store: Store;
  http: HttpServer;
  port: number;
  /** The in-process sync worker, unless RUN_WORKER_IN_SERVER=false (workers run as `npm run worker`). */
  worker?: SyncWorker;
  shutdown(): Promise<boolean>;
}

/** Without BOT_ID, /api/messages trusts any caller: only this machine may reach it (SECURITY.md). */
export function bindAddress(config: Pick<Config, 'BOT_ID'>): string {
  return config.BOT_ID ? '0.0.0.0' : '127.0.0.1';
}

/** The authority answers its discovery document: the emulator (or Entra) can sign users in. */
function authorityCheck(config: Config, caPem: string | undefined): HealthCheck {
  const fetch = trustedFetch(caPem);
  const url = `${config.M365_AUTHORITY_HOST}/common/v2.0/.well-known/openid-configuration`;
  return {
    name: 'emulator',
    check: async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`discovery answered HTTP ${res.status}`);
    },
  };
}

/**
 * Builds the one-process server (bot, auth, tab API, notifications, worker) from validated config:
 * opens the store and migrates it, mounts every surface on one restify server, and listens.
 * `tabDistDir` serves a tab built elsewhere (tests build it into a temp folder) instead of tab/dist.
 */
export async function composeServer(
  config: Config,
  logger: Logger,
  extraChecks: HealthCheck[] = [],
  options: { tabDistDir?: string } = {},
): Promise<RunningServer> {
  const caPem = config.USE_EMULATOR ? loadTrustedCa(config.EMULATOR_CA_CERT) : undefined;
  const cipher = tokenCipherFromConfig(config);
  const store = createStore(storeOptionsFromConfig(config, logger));
  await store.migrate();

  const healthChecks: HealthCheck[] = [{ name: 'store', check: () => store.ping() }, ...extraChecks];
  if (config.USE_EMULATOR) healthChecks.push(authorityCheck(config, caPem));
  const http = createHttpServer({ logger, healthChecks, hsts: config.PUBLIC_URL.startsWith('https://') });
  // Shutdown runs these in order: the worker finishes its page and releases leases before the store closes.
  const steps: ShutdownStep[] = [];

  const configured = config.RUN_WORKER_IN_SERVER
    ? createSyncWorkerFromConfig(config, { store, logger, cipher })
    : undefined;
  const worker = configured?.worker;
  // Graph posts change notifications to this server (PUBLIC_URL) wherever the workers run. Without an
  // in-process worker the requests still land in the database, where the separate workers claim them.
  const requests =
    worker?.requests ??
    createSyncRequester({
      db: store.db,
      onError: (err) =>
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'sync request not recorded'),
    });
  const notifications = registerNotificationRoutes(http.server, {
    db: store.db,
    logger,
    requests,
    health: notificationHealthFromConfig(config),
  });
  // A CRM change asks for a run of its owner's account, so it reaches Outlook within seconds.
  registerCrmDiaryRoutes(http.server, {
    db: store.db,
    diary: createStoreCrmDiary(store.db),
    logger,
    onChanged: ({ tenantId, crmId }) =>
      void ownerAccountOf(store.db, tenantId, crmId).then(
        (accountId) => accountId && requests.request(accountId),
        (err: unknown) =>
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'CRM change not scheduled'),
      ),
  });
  // Notifications already answered 202 are handled (their accounts made due) before the worker stops.
  steps.push({ name: 'notification queue', run: () => notifications.drained() });
  if (worker) steps.push(syncWorkerShutdownStep(worker));
  else steps.push({ name: 'sync requests', run: () => requests.flush() });

  const syncNow = worker
    ? (accountId: string) =>
        void worker.syncNow(accountId).catch((err: unknown) => {
          logger.warn(
            { accountId, err: err instanceof Error ? err.message : String(err) },
            'sync now failed',
          );
        })
    : undefined;

  // The bot: /api/messages and the browser sign-in; it tells users in chat what the worker and tab do.
  const bot = mountBot(http.server, { config, store, logger, cipher, caPem, requestSync: syncNow });
  configured?.attention.on('attention', (event) => void bot.onAttention(event));
  steps.push(...bot.shutdownSteps);

  mountTabSurface(http.server, {
    config,
    store,
    logger,
    caPem,
    distDir: options.tabDistDir,
    onEffects: bot.onEffects,
    beforeCommit: bot.service.beforeCommit,
    onSyncRequested: syncNow,
  });

  steps.push({ name: 'store', run: () => store.close() });
  const port = await http.listen(config.PORT, bindAddress(config));
  worker?.start();
  logger.info({ port, dialect: store.dialect, worker: worker?.owner ?? 'separate' }, 'server listening');
  return {
    config,
    store,
    http,
    port,
    worker,
    shutdown: () => shutDownGracefully({ http, logger, steps, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  };
}
