import { toIso } from '../../bot/store/columns.js';
import { createHttpServer } from '../../bot/server/http-server.js';
import { DEFAULT_NOTIFICATION_HEALTH } from '../../bot/sync/core/notification-health.js';
import { DEFAULT_SCHEDULE_SETTINGS } from '../../bot/sync/core/scheduling.js';
import { registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import { createSyncRequester } from '../../bot/sync/sync-requests.js';
import { graphRuntime } from '../../emulator/graph/runtime.js';
import { waitFor } from '../../test/sync/support/wait.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../../test/sync/support/worker-process.js';
import {
  connectMany,
  createUsers,
  requestCounters,
  setLatency,
  startBenchEnv,
  type SyncEnv,
} from '../support/bench-env.js';
import { cpuMs, rssSampler } from '../support/process-stats.js';
import { round } from '../support/report.js';

/**
 * Many idle enabled accounts (empty mailboxes, mail and diary on) kept by one worker process on
 * PostgreSQL with Graph latency on and change notifications live: the notification endpoint runs in
 * this process (as the server would), the worker in its own with the product's default settings.
 *
 * Setup (not measured): every account's first sync and its three subscriptions, by a worker with
 * more mailboxes at once so the setup stays short. Measured: a default worker facing the worst moment
 * of a safety cycle (every account's safety read due at once): how long it needs to get round all
 * of them (it must fit the safety interval), its CPU per account and memory, and the Graph requests
 * an account costs per hour.
 *
 * Requests per account-hour = the requests of one safety read (measured: mailbox requests and any
 * subscription request the cycle made) × reads per hour, plus the renewals that answer Graph's
 * reauthorization challenges: one per subscription per `reauthorizeAfterMs` at most (worker.test.ts
 * shows the product answers the challenge 45 minutes on and not the earlier ones).
 */

export interface ScaleOptions {
  accounts: number;
  /** Mailboxes at once for the unmeasured first pass only. */
  setupMailboxes: number;
}

export interface ScaleResult {
  accounts: number;
  cycleSeconds: number;
  safetyIntervalSeconds: number;
  workerCpuMsPerAccountCycle: number;
  workerRssMb: number;
  firstPassSeconds: number;
  graphRequestsPerSafetyRead: number;
  subscriptionsPerAccount: number;
  reauthorizationRequestsPerAccountHour: number;
  graphRequestsPerAccountHour: number;
  /** Polling every account every POLL_INTERVAL_SECONDS, as before: for comparison. */
  pollingOnlyRequestsPerAccountHour: number;
  connectSeconds: number;
  runSeconds: number;
  settings: {
    store: string;
    latency: string;
    maxMailboxes: string;
    pollIntervalSeconds: number;
    notifiedPollIntervalSeconds: number;
  };
}

async function syncedSince(env: SyncEnv, since: string): Promise<number> {
  const row = await env.db
    .selectFrom('sync_accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('last_synced_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function subscriptionCount(env: SyncEnv): Promise<number> {
  const row = await env.db
    .selectFrom('graph_subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Subscription requests Graph saw between two listings: creations and renewals. */
function subscriptionRequests(
  before: { id?: string | null; expirationDateTime?: string | null }[],
  after: { id?: string | null; expirationDateTime?: string | null }[],
): number {
  const old = new Map(before.map((s) => [s.id, s.expirationDateTime]));
  return after.filter((s) => !old.has(s.id) || old.get(s.id) !== s.expirationDateTime).length;
}

/** Until the process has finished starting (tsx compiling the worker), so its CPU is not counted. */
async function settled(pid: number): Promise<void> {
  let last = cpuMs(pid);
  await waitFor(
    () => {
      const now = cpuMs(pid);
      const quiet = now - last < 20;
      last = now;
      return quiet;
    },
    120_000,
    'the worker started and idle',
    500,
  );
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const runStarted = performance.now();
  const env = await startBenchEnv('postgres');
  const workers: WorkerProcess[] = [];
  const http = createHttpServer({ logger: env.logger, healthChecks: [] });
  try {
    const users = createUsers(env, options.accounts, 'idle');
    const connectStarted = performance.now();
    await connectMany(env, users, 16);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await setLatency(env, true);
    const requests = createSyncRequester({ db: env.db });
    registerNotificationRoutes(http.server, { db: env.db, logger: env.logger, requests });
    const port = await http.listen(0, '127.0.0.1');
    // The product's defaults, said out loud so that a changed default shows here.
    const defaults = {
      GRAPH_NOTIFICATIONS: 'true',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      POLL_INTERVAL_SECONDS: String(DEFAULT_SCHEDULE_SETTINGS.pollIntervalMs / 1000),
      NOTIFIED_POLL_INTERVAL_SECONDS: String(DEFAULT_NOTIFICATION_HEALTH.safetyIntervalMs / 1000),
      SYNC_LEASE_SECONDS: '60',
    };

    const setup = spawnWorker(
      workerEnvironment(env, { ...defaults, SYNC_MAX_MAILBOXES: String(options.setupMailboxes) }),
    );
    workers.push(setup);
    const firstStarted = toIso(Date.now());
    const firstClock = performance.now();
    await waitFor(
      async () =>
        (await syncedSince(env, firstStarted)) === options.accounts &&
        (await subscriptionCount(env)) === 3 * options.accounts,
      60 * 60_000,
      'every account synced once and subscribed',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the worker said:\n${setup.output()}`);
    });
    const firstPassSeconds = (performance.now() - firstClock) / 1000;
    setup.child.kill('SIGTERM');
    await setup.exited;

    const worker = spawnWorker(workerEnvironment(env, defaults));
    workers.push(worker);
    const pid = worker.child.pid!;
    await settled(pid);
    const subscriptions = graphRuntime(env.emu.ctx).subscriptions;
    const listedBefore = subscriptions.listAll();
    const requestsBefore = users.reduce((n, u) => n + requestCounters(env, u.id).requests, 0);
    const mark = toIso(Date.now());
    const cpuBefore = cpuMs(pid);
    const rss = rssSampler(pid);
    const started = performance.now();
    // Every safety read due now: the worst moment of the cycle, all accounts waiting at once.
    await env.db.updateTable('sync_accounts').set({ next_run_at: mark, delta_due_at: mark }).execute();
    await waitFor(
      async () => (await syncedSince(env, mark)) === options.accounts,
      60 * 60_000,
      'every account read again',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
    });
    const cycleSeconds = (performance.now() - started) / 1000;
    const cpu = cpuMs(pid) - cpuBefore;
    const memory = rss.stop();
    const mailboxRequests =
      users.reduce((n, u) => n + requestCounters(env, u.id).requests, 0) - requestsBefore;
    const perRead =
      (mailboxRequests + subscriptionRequests(listedBefore, subscriptions.listAll())) / options.accounts;
    worker.child.kill('SIGTERM');
    await worker.exited;

    const safetyHours = DEFAULT_NOTIFICATION_HEALTH.safetyIntervalMs / 3_600_000;
    const subscriptionsPerAccount = (await subscriptionCount(env)) / options.accounts;
    const reauthorizations =
      subscriptionsPerAccount * (3_600_000 / DEFAULT_NOTIFICATION_HEALTH.reauthorizeAfterMs);
    return {
      accounts: options.accounts,
      cycleSeconds: round(cycleSeconds, 1),
      safetyIntervalSeconds: DEFAULT_NOTIFICATION_HEALTH.safetyIntervalMs / 1000,
      workerCpuMsPerAccountCycle: round(cpu / options.accounts, 2),
      workerRssMb: round(memory.peakMb),
      firstPassSeconds: round(firstPassSeconds, 1),
      graphRequestsPerSafetyRead: round(perRead, 2),
      subscriptionsPerAccount: round(subscriptionsPerAccount, 2),
      reauthorizationRequestsPerAccountHour: round(reauthorizations, 2),
      graphRequestsPerAccountHour: round(perRead / safetyHours + reauthorizations, 2),
      pollingOnlyRequestsPerAccountHour: round(
        (mailboxRequests / options.accounts) * (3_600_000 / DEFAULT_SCHEDULE_SETTINGS.pollIntervalMs),
        2,
      ),
      connectSeconds: round(connectSeconds, 1),
      runSeconds: round((performance.now() - runStarted) / 1000, 1),
      settings: {
        store: 'postgres (embedded, fsync off)',
        latency: 'graph preset',
        maxMailboxes: `default (8); first pass ${options.setupMailboxes}`,
        pollIntervalSeconds: DEFAULT_SCHEDULE_SETTINGS.pollIntervalMs / 1000,
        notifiedPollIntervalSeconds: DEFAULT_NOTIFICATION_HEALTH.safetyIntervalMs / 1000,
      },
    };
  } finally {
    await killAll(workers);
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env.close();
  }
}
