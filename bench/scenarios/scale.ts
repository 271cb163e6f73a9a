import { toIso } from '../../bot/store/columns.js';
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
 * Many idle enabled accounts (empty mailboxes, mail and diary on) polled by one worker process on
 * PostgreSQL with Graph latency on. The first pass is every account's first sync; then all accounts
 * are made due at once and the second pass, a steady-state poll cycle, is measured: how long the
 * worker needs to get round all of them (it must be well inside the poll interval), its CPU per
 * account and its memory.
 */

export interface ScaleOptions {
  accounts: number;
  maxMailboxes: number;
}

export interface ScaleResult {
  accounts: number;
  cycleSeconds: number;
  workerCpuMsPerAccountCycle: number;
  workerRssMb: number;
  firstPassSeconds: number;
  graphRequestsPerAccountCycle: number;
  connectSeconds: number;
  settings: { store: string; latency: string; maxMailboxes: number; pollIntervalSeconds: number };
}

async function syncedSince(env: SyncEnv, since: string): Promise<number> {
  const row = await env.db
    .selectFrom('sync_accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('last_synced_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const env = await startBenchEnv('postgres');
  const workers: WorkerProcess[] = [];
  try {
    const users = createUsers(env, options.accounts, 'idle');
    const connectStarted = performance.now();
    await connectMany(env, users, 16);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await setLatency(env, true);
    const pollIntervalSeconds = 300;
    const worker = spawnWorker(
      workerEnvironment(env, {
        GRAPH_NOTIFICATIONS: 'false',
        POLL_INTERVAL_SECONDS: String(pollIntervalSeconds),
        SYNC_MAX_MAILBOXES: String(options.maxMailboxes),
        SYNC_LEASE_SECONDS: '60',
      }),
    );
    workers.push(worker);
    const pid = worker.child.pid!;
    const firstStarted = toIso(Date.now());
    const firstClock = performance.now();
    await waitFor(
      async () => (await syncedSince(env, firstStarted)) === options.accounts,
      60 * 60_000,
      'every account synced once',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
    });
    const firstPassSeconds = (performance.now() - firstClock) / 1000;

    const requestsBefore = users.reduce((n, u) => n + requestCounters(env, u.id).requests, 0);
    const mark = toIso(Date.now());
    const cpuBefore = cpuMs(pid);
    const rss = rssSampler(pid);
    const started = performance.now();
    // Everyone due now: the worst moment of a poll cycle, all accounts waiting at once.
    await env.db.updateTable('sync_accounts').set({ next_run_at: mark }).execute();
    await waitFor(
      async () => (await syncedSince(env, mark)) === options.accounts,
      60 * 60_000,
      'every account polled again',
      500,
    );
    const cycleSeconds = (performance.now() - started) / 1000;
    const cpu = cpuMs(pid) - cpuBefore;
    const memory = rss.stop();
    const requests = users.reduce((n, u) => n + requestCounters(env, u.id).requests, 0) - requestsBefore;
    worker.child.kill('SIGTERM');
    await worker.exited;
    return {
      accounts: options.accounts,
      cycleSeconds: round(cycleSeconds, 1),
      workerCpuMsPerAccountCycle: round(cpu / options.accounts, 2),
      workerRssMb: round(memory.peakMb),
      firstPassSeconds: round(firstPassSeconds, 1),
      graphRequestsPerAccountCycle: round(requests / options.accounts, 2),
      connectSeconds: round(connectSeconds, 1),
      settings: {
        store: 'postgres (embedded, fsync off)',
        latency: 'graph preset',
        maxMailboxes: options.maxMailboxes,
        pollIntervalSeconds,
      },
    };
  } finally {
    await killAll(workers);
    await env.close();
  }
}
