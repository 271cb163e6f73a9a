import { sql, type Kysely } from 'kysely';
import { toIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';

/**
 * "Sync this account soon", from change notifications, lifecycle events or the tab. Requests are
 * coalesced: ids gathered over a short window become one UPDATE per kind that makes the accounts due
 * now (never before a Retry-After deadline). A `delta` request also marks the whole mailbox to be
 * read; a `wake` request only wakes the account, for what its subscriptions say (a resource with a
 * change pending, a subscription to reauthorize). The database is the hand-off, so a worker in another
 * process picks the account up on its next claim; a worker in this process is also nudged at once.
 */

export type SyncRequestKind = 'delta' | 'wake';

export interface SyncRequester {
  request(accountId: string, kind?: SyncRequestKind): void;
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
  const pending = new Map<string, SyncRequestKind>();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function write(requests: [string, SyncRequestKind][]): Promise<void> {
    const at = toIso(now());
    const dueNow = sql<string>`case when throttled_until is not null and throttled_until > ${at} then throttled_until else ${at} end`;
    for (const kind of ['delta', 'wake'] as const) {
      const ids = requests.filter(([, k]) => k === kind).map(([id]) => id);
      if (ids.length === 0) continue;
      await options.db
        .updateTable('sync_accounts')
        .set(kind === 'delta' ? { next_run_at: dueNow, delta_requested: 1 } : { next_run_at: dueNow })
        .where('id', 'in', ids)
        .where('state', '=', 'active')
        .execute();
    }
    options.onRequested?.(requests.map(([id]) => id));
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const requests = [...pending];
    pending.clear();
    writing = writing.then(() => write(requests)).catch((err) => options.onError?.(err));
    return writing;
  }

  return {
    request(accountId, kind = 'delta') {
      // A delta request wins over a wake one for the same account.
      if (pending.get(accountId) !== 'delta') pending.set(accountId, kind);
      timer ??= setTimeout(() => void flush(), options.coalesceMs ?? 50);
    },
    flush,
  };
}
