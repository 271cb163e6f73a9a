import { createSyncWorker, type SyncWorker, type SyncWorkerDeps } from '../../../bot/sync/worker.js';
import type { SyncEnv } from './sync-env.js';

type EnvDeps = 'db' | 'dialect' | 'logger' | 'graphBaseUrl' | 'fetch' | 'tokens';

/**
 * A sync worker on the environment's store, emulator and token provider; the rest is the caller's, and
 * a caller may put its own `fetch` (one that holds answers back) in front of the emulator's.
 */
export function syncWorkerOn(
  env: SyncEnv,
  deps: Omit<SyncWorkerDeps, EnvDeps> & Partial<Pick<SyncWorkerDeps, 'fetch'>>,
): SyncWorker {
  return createSyncWorker({
    db: env.db,
    dialect: env.dialect,
    logger: env.logger,
    graphBaseUrl: env.emu.origin,
    fetch: env.fetch,
    tokens: env.tokens,
    ...deps,
  });
}

/** Where Graph is told to send change and lifecycle notifications for a server at `publicUrl`. */
export function notificationUrls(publicUrl: string): {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
} {
  return {
    notificationUrl: `${publicUrl}/api/notifications`,
    lifecycleNotificationUrl: `${publicUrl}/api/notifications/lifecycle`,
  };
}
