import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../logging/logger.js';
import type { ShutdownStep } from '../server/graceful-shutdown.js';
import type { StoreDialect } from '../store/store.js';
import type { FetchLike } from '../net/tls-trust.js';
import { MailboxLimiter } from './core/mailbox-limiter.js';
import { syncAccount, type AccountRunResult, type SyncSettings } from './account-sync.js';
import { whenDue } from './due-timer.js';
import { claimAccount, claimDueAccounts, renewLeases } from './lease.js';
import type { SubscriptionSettings } from './subscriptions.js';
import { createSyncRequester, type SyncRequester } from './sync-requests.js';
import type { Database } from '../store/schema.js';
import type { TokenProvider } from './token-provider.js';
import type { Kysely } from 'kysely';

/**
 * The sync worker: claims due accounts from the database (leases, so N processes share the work and
 * a crashed one's accounts are taken over when its leases expire), runs up to `maxMailboxes` of them
 * at once, keeps their leases alive with heartbeats, and stops cleanly: no new claims, the page in
 * hand is committed, leases are released.
 */

export interface SyncWorkerDeps {
  db: Kysely<Database>;
  dialect: StoreDialect;
  logger: Logger;
  graphBaseUrl: string;
  fetch: FetchLike;
  tokens: TokenProvider;
  settings: SyncSettings;
  subscriptions: SubscriptionSettings | null;
  /** Mailboxes synced at once by this worker. */
  maxMailboxes?: number;
  /** Concurrent Graph requests per mailbox (Outlook allows 4). */
  maxRequestsPerMailbox?: number;
  leaseMs?: number;
  /** How often due accounts are looked for when nothing wakes the worker sooner. */
  claimIntervalMs?: number;
  owner?: string;
  now?: () => number;
  random?: () => number;
  /** Called after each account run (tests, metrics). */
  onRun?: (accountId: string, result: AccountRunResult) => void;
}

export interface SyncWorker {
  readonly owner: string;
  /** Coalesced "sync this account soon" for notifications and the tab (also wakes this worker). */
  readonly requests: SyncRequester;
  start(): void;
  /** Stops claiming, lets each running account finish its current page, releases the leases. */
  stop(): Promise<void>;
  /** Makes the account due now and wakes the worker. */
  syncNow(accountId: string): Promise<void>;
  running(): string[];
}

export const DEFAULT_LEASE_MS = 60_000;

export function createSyncWorker(deps: SyncWorkerDeps): SyncWorker {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const owner = deps.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const maxMailboxes = deps.maxMailboxes ?? 8;
  const claimIntervalMs = deps.claimIntervalMs ?? 500;
  const limiter = new MailboxLimiter(deps.maxRequestsPerMailbox ?? 4);
  const active = new Map<string, { lost: boolean; done: Promise<void> }>();
  let started = false;
  let stopping = false;
  let claimTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let claiming: Promise<void> | null = null;
  let wakeAgain = false;

  const requests = createSyncRequester({
    db: deps.db,
    onRequested: () => wake(),
    onError: (err) => deps.logger.error({ err: describe(err) }, 'could not record a sync request'),
    now,
  });

  const soonTimers = new Set<NodeJS.Timeout>();

  /**
   * Wakes the worker when an account it just ran is due again before the next claim tick: a
   * notification that came during a run would otherwise wait for the tick, up to a whole interval.
   */
  function wakeAt(dueAt: number): void {
    if (dueAt - now() >= claimIntervalMs || stopping) return;
    whenDue(dueAt, now, wake, soonTimers);
  }

  function wake(): void {
    if (!started || stopping) return;
    if (claiming) {
      wakeAgain = true;
      return;
    }
    claiming = claim()
      .catch((err) => deps.logger.error({ err: describe(err) }, 'claiming accounts failed'))
      .finally(() => {
        claiming = null;
        if (wakeAgain) {
          wakeAgain = false;
          wake();
        }
      });
  }

  async function claim(): Promise<void> {
    const free = maxMailboxes - active.size;
    if (free <= 0) return;
    const ids = await claimDueAccounts(deps.db, deps.dialect, { owner, limit: free, leaseMs, now: now() });
    for (const id of ids) {
      // The lease of an account still running here lapsed (a stalled process) and came back to this
      // worker: the run in hand holds it again, and a second run of the same account must not start.
      const running = active.get(id);
      if (running) running.lost = false;
      else run(id);
    }
    limiter.forgetIdle(now());
  }

  function run(accountId: string): void {
    const entry = { lost: false, done: Promise.resolve() };
    entry.done = syncAccount(
      {
        db: deps.db,
        owner,
        graphBaseUrl: deps.graphBaseUrl,
        fetch: deps.fetch,
        limiter,
        tokens: deps.tokens,
        settings: deps.settings,
        subscriptions: deps.subscriptions,
        logger: deps.logger,
        now,
        random,
      },
      accountId,
      () => stopping || entry.lost,
    )
      .then((result) => {
        deps.logger.debug(
          { accountId, outcome: result.outcome, requests: result.requests },
          'account synced',
        );
        deps.onRun?.(accountId, result);
        if (result.nextRunAt != null) wakeAt(result.nextRunAt);
      })
      .catch((err) => deps.logger.error({ accountId, err: describe(err) }, 'account run failed'))
      .finally(() => {
        active.delete(accountId);
        // A slot came free: look for more work now rather than at the next tick.
        wake();
      });
    active.set(accountId, entry);
  }

  async function heartbeat(): Promise<void> {
    const ids = [...active.keys()];
    if (ids.length === 0) return;
    const held = new Set(await renewLeases(deps.db, owner, ids, leaseMs, now()));
    for (const id of ids) {
      const entry = active.get(id);
      if (entry && !held.has(id)) {
        entry.lost = true;
        deps.logger.warn({ accountId: id }, 'lease lost; stopping that account');
      }
    }
  }

  return {
    owner,
    requests,
    start() {
      if (started) return;
      started = true;
      claimTimer = setInterval(wake, claimIntervalMs);
      heartbeatTimer = setInterval(
        () => {
          heartbeat().catch((err) => deps.logger.error({ err: describe(err) }, 'lease heartbeat failed'));
        },
        Math.max(50, Math.floor(leaseMs / 3)),
      );
      wake();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(claimTimer);
      for (const timer of soonTimers) clearTimeout(timer);
      await requests.flush();
      await claiming;
      // Heartbeats go on while the running pages finish, so no lease lapses mid-commit.
      await Promise.all([...active.values()].map((e) => e.done));
      clearInterval(heartbeatTimer);
    },
    async syncNow(accountId) {
      requests.request(accountId);
      await requests.flush();
      // With a free slot, run it here and now rather than at the next claim.
      if (!started || stopping || active.has(accountId) || active.size >= maxMailboxes) return;
      if (await claimAccount(deps.db, accountId, { owner, leaseMs, now: now() })) run(accountId);
    },
    running: () => [...active.keys()],
  };
}

/** The worker as a step of the server's graceful shutdown (after HTTP drains, before the store closes). */
export function syncWorkerShutdownStep(worker: SyncWorker): ShutdownStep {
  return { name: 'sync worker', run: () => worker.stop() };
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/https?:\/\/\S+/g, '[url]');
}
