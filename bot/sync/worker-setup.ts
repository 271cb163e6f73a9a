import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { TrustedNetworkClient } from '../net/msal-network-client.js';
import { loadTrustedCa, trustedFetch } from '../net/tls-trust.js';
import type { Store } from '../store/store.js';
import type { TokenCipher } from '../vault/token-cipher.js';
import { createAttentionEvents, type AttentionEvents } from './account-attention.js';
import { DEFAULT_WINDOW_SETTINGS } from './core/calendar-window.js';
import { DEFAULT_SCHEDULE_SETTINGS } from './core/scheduling.js';
import { DEFAULT_NOTIFICATION_HEALTH, type NotificationHealthSettings } from './core/notification-health.js';
import { DEFAULT_SUBSCRIPTION_TIMING } from './subscriptions.js';
import { createTokenProvider } from './token-provider.js';
import { createSyncWorker, type SyncWorker } from './worker.js';

/**
 * The sync worker built from validated configuration, for both entry points: the server process
 * (RUN_WORKER_IN_SERVER=true) and `npm run worker` (a worker alone, for scale-out on PostgreSQL).
 * With the emulator the Graph and Entra connections trust its CA explicitly; with a real tenant
 * they use the system CAs.
 */

export interface ConfiguredWorker {
  worker: SyncWorker;
  /** "Account needs attention" (reconnect required), emitted once per transition. */
  attention: AttentionEvents;
}

export function createSyncWorkerFromConfig(
  config: Config,
  deps: { store: Store; logger: Logger; cipher: TokenCipher; attention?: AttentionEvents },
): ConfiguredWorker {
  const caPem = config.USE_EMULATOR ? loadTrustedCa(config.EMULATOR_CA_CERT) : undefined;
  const attention = deps.attention ?? createAttentionEvents();
  const tokens = createTokenProvider({
    store: deps.store,
    cipher: deps.cipher,
    msal: {
      authorityHost: config.M365_AUTHORITY_HOST,
      clientId: config.AAD_APP_CLIENT_ID,
      clientSecret: config.AAD_APP_CLIENT_SECRET,
      networkClient: new TrustedNetworkClient(caPem),
      logger: deps.logger,
    },
    scopes: config.SYNC_SCOPES,
    events: attention,
  });
  const worker = createSyncWorker({
    db: deps.store.db,
    dialect: deps.store.dialect,
    logger: deps.logger.child({ component: 'sync-worker' }),
    graphBaseUrl: config.GRAPH_BASE_URL,
    fetch: trustedFetch(caPem),
    tokens,
    settings: {
      mailFolders: config.MAIL_FOLDERS,
      historyDays: config.MAIL_HISTORY_DAYS,
      window: {
        ...DEFAULT_WINDOW_SETTINGS,
        daysBack: config.DIARY_DAYS_BACK,
        daysAhead: config.DIARY_DAYS_AHEAD,
      },
      fileWithoutContact: config.STORE_MAIL_WITHOUT_CONTACT,
      schedule: { ...DEFAULT_SCHEDULE_SETTINGS, pollIntervalMs: config.POLL_INTERVAL_SECONDS * 1000 },
      pageSize: config.SYNC_PAGE_SIZE,
      roundsPerMailbox: config.SYNC_ROUNDS_PER_MAILBOX,
    },
    subscriptions: config.GRAPH_NOTIFICATIONS
      ? {
          notificationUrl: `${config.PUBLIC_URL}/api/notifications`,
          lifecycleNotificationUrl: `${config.PUBLIC_URL}/api/notifications/lifecycle`,
          ...DEFAULT_SUBSCRIPTION_TIMING,
          health: notificationHealthFromConfig(config),
        }
      : null,
    maxMailboxes: config.SYNC_MAX_MAILBOXES,
    leaseMs: config.SYNC_LEASE_SECONDS * 1000,
  });
  return { worker, attention };
}

/** The notification health settings the worker and the notification routes share. */
export function notificationHealthFromConfig(config: Config): NotificationHealthSettings {
  return {
    ...DEFAULT_NOTIFICATION_HEALTH,
    safetyIntervalMs: config.NOTIFIED_POLL_INTERVAL_SECONDS * 1000,
    silenceLimitMs: config.NOTIFICATION_SILENCE_SECONDS * 1000,
  };
}
