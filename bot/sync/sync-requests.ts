import { sql, type Kysely } from 'kysely';
import { toIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';

/**
 * "Sync this account soon", from change notifications, lifecycle events or the tab. Requests are
 * coalesced: ids gathered over a short window become one UPDATE that makes the accounts due now
 * (never before a Retry-After deadline). The database is the hand-off, so a worker in another
 * process picks the account up on its next claim; a worker in this process is also nudged at once.
 */

export interface SyncRequester {
  request(accountId: string): void;
  /** Writes what is pending now (shutdown, tests). */
  flush(): Promise<void>;
}

export interface SyncRequesterOptions {
  db: Kysely<Database>;
  /** Called after the accounts were made due, e.g. to wake an in-process worker. */
  onRequested?: (accountIds: string[]) => void;
  onError?: (err: unknown) => void;
  coalesceMs?: number;
  now?: () => number;
}

export function createSyncRequester(options: SyncRequesterOptions): SyncRequester {
  const now = options.now ?? Date.now;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function write(ids: string[]): Promise<void> {
    const at = toIso(now());
    await options.db
      .updateTable('sync_accounts')
      .set({
        next_run_at: sql<string>`case when throttled_until is not null and throttled_until > ${at} then throttled_until else ${at} end`,
      })
      .where('id', 'in', ids)
      .where('state', '=', 'active')
      .execute();
    options.onRequested?.(ids);
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const ids = [...pending];
    pending.clear();
    writing = writing.then(() => write(ids)).catch((err) => options.onError?.(err));
    return writing;
  }

  return {
    request(accountId) {
      pending.add(accountId);
      timer ??= setTimeout(() => void flush(), options.coalesceMs ?? 50);
    },
    flush,
  };
}
