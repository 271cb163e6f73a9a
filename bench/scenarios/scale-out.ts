import { waitFor } from '../../test/sync/support/wait.js';
import { switchOff } from '../../test/sync/support/accounts.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../../test/sync/support/worker-process.js';
import {
  addUsers,
  connectMany,
  generateMailbox,
  setLatency,
  startBenchEnv,
  type SyncEnv,
} from '../support/bench-env.js';
import { embeddedPostgresPid } from '../../test/support/global-fixtures.js';
import { cpuMs, machineBusyMs, treeCpuMs } from '../support/process-stats.js';
import { round } from '../support/report.js';
import { statementsPerAccountCycle, type StatementCounts } from '../support/statement-counts.js';
import { runSpanSeconds } from '../support/worker-runs.js';

/**
 * Scale-out on PostgreSQL: the same import (many accounts, each with its own generated mailbox)
 * done by 1, 2 and 3 worker processes sharing the accounts through leases, with Graph latency on.
 * The emulator runs in a process of its own and each worker syncs few mailboxes at once with small
 * pages, so a worker spends most of its time waiting on Graph (its CPU share is reported): the figure
 * is about what leases and the shared database allow, not about how many cores the machine has.
 * Each configuration gets a fresh database and emulator. Runs of one account never overlap in time
 * unless two workers held it at once: such overlaps are counted as `doubleLeases`.
 */

export interface ScaleOutOptions {
  accounts: number;
  messagesPerAccount: number;
  workers: readonly number[];
  maxMailboxesPerWorker: number;
  pageSize: number;
}

export interface ScaleOutRun {
  workers: number;
  items: number;
  seconds: number;
  itemsPerSecond: number;
  doubleLeases: number;
  /** Each worker's CPU time over the run's wall time (1 = one core busy the whole time), on average. */
  workerCpuShare: number;
  /** The emulator process's, the same way. */
  emulatorCpuShare: number;
  /** PostgreSQL's (postmaster and every backend), the same way. */
  postgresCpuShare: number;
  /** Every core of the machine busy over the run, other people's work included (2 = two cores). */
  machineBusyCores: number;
  cores: number;
}

export interface ScaleOutResult {
  itemsPerSecond: Record<string, number>;
  /** items/s at N ÷ (N × items/s at 1), per N. */
  efficiency: Record<string, number>;
  doubleLeases: number;
  statementsPerAccountCycle: StatementCounts;
  runs: ScaleOutRun[];
  settings: {
    accounts: number;
    messagesPerAccount: number;
    maxMailboxesPerWorker: number;
    pageSize: number;
    store: string;
    latency: string;
    emulator: string;
  };
}

/** Runs of one account's resource that overlap in time: only two lease holders could produce them. */
async function overlappingRuns(env: SyncEnv): Promise<number> {
  const runs = await env.db
    .selectFrom('sync_runs')
    .select(['account_id', 'resource', 'started_at', 'ended_at'])
    .orderBy('account_id')
    .orderBy('resource')
    .orderBy('started_at')
    .execute();
  let overlaps = 0;
  for (let i = 1; i < runs.length; i += 1) {
    const prev = runs[i - 1]!;
    const cur = runs[i]!;
    // An account's resources page side by side, so only runs of the same resource are compared.
    if (prev.account_id !== cur.account_id || prev.resource !== cur.resource) continue;
    const prevEnd = prev.ended_at ? Date.parse(prev.ended_at) : Number.POSITIVE_INFINITY;
    if (Date.parse(cur.started_at) < prevEnd) overlaps += 1;
  }
  return overlaps;
}

async function runWith(
  workerCount: number,
  options: ScaleOutOptions,
  afterRun?: (env: SyncEnv) => Promise<void>,
): Promise<ScaleOutRun> {
  const env = await startBenchEnv('postgres', { emulatorProcess: true });
  const workers: WorkerProcess[] = [];
  try {
    const users = await addUsers(env, options.accounts, `scaleout${workerCount}.`);
    const ids = await connectMany(env, users);
    for (const [i, user] of users.entries())
      await generateMailbox(env, user.id, { messages: options.messagesPerAccount, events: 0, seed: i + 1 });
    // Every message counts (no contact needed, private included), so items = messages.
    await switchOff(env.store, ids, 'diary');
    await env.db
      .updateTable('sync_accounts')
      .set({ private_mail_policy: 'include', next_run_at: '2999-01-01T00:00:00.000Z' })
      .execute();
    await setLatency(env, true);
    const environment = workerEnvironment(env, {
      GRAPH_NOTIFICATIONS: 'false',
      STORE_MAIL_WITHOUT_CONTACT: 'true',
      SYNC_MAX_MAILBOXES: String(options.maxMailboxesPerWorker),
      SYNC_PAGE_SIZE: String(options.pageSize),
      SYNC_ROUNDS_PER_MAILBOX: '3',
      SYNC_LEASE_SECONDS: '10',
      LOG_LEVEL: 'info',
    });
    for (let i = 0; i < workerCount; i += 1) workers.push(spawnWorker(environment));
    await waitFor(
      () => workers.every((w) => w.output().includes('sync worker started')),
      60_000,
      'the workers to start',
      100,
    );
    // All accounts become due together once every worker is up, so none gets a head start.
    const emulatorPid = (env.emu as { pid?: number }).pid!;
    const cpuBefore = workers.map((w) => cpuMs(w.child.pid!));
    const emulatorCpuBefore = cpuMs(emulatorPid);
    const postgresPid = embeddedPostgresPid();
    const postgresCpuBefore = postgresPid ? treeCpuMs(postgresPid) : 0;
    const machineBefore = machineBusyMs();
    const started = performance.now();
    await env.db.updateTable('sync_accounts').set({ next_run_at: null }).execute();
    const total = options.accounts * options.messagesPerAccount;
    await waitFor(
      async () => {
        const rows = await env.db
          .selectFrom('sync_cursors')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('round_complete', '=', 1)
          .executeTakeFirstOrThrow();
        return Number(rows.n) === options.accounts * 2;
      },
      30 * 60_000,
      'every account imported',
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the workers said:\n${workers.map((w) => w.output()).join('\n')}`);
    });
    const wallMs = performance.now() - started;
    const workerCpu = workers.reduce((sum, w, i) => sum + cpuMs(w.child.pid!) - cpuBefore[i]!, 0);
    const emulatorCpu = cpuMs(emulatorPid) - emulatorCpuBefore;
    const postgresCpu = postgresPid ? treeCpuMs(postgresPid) - postgresCpuBefore : Number.NaN;
    const machine = machineBusyMs();
    const seconds = await runSpanSeconds(env.db, ids);
    const owners = await env.db
      .selectFrom('mail_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(owners.n) !== total) throw new Error(`imported ${owners.n} of ${total} messages`);
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const result = {
      workers: workerCount,
      items: total,
      seconds: round(seconds, 2),
      itemsPerSecond: Math.round(total / seconds),
      doubleLeases: await overlappingRuns(env),
      workerCpuShare: round(workerCpu / workerCount / wallMs, 3),
      emulatorCpuShare: round(emulatorCpu / wallMs, 3),
      postgresCpuShare: round(postgresCpu / wallMs, 3),
      machineBusyCores: round((machine.busyMs - machineBefore.busyMs) / wallMs, 2),
      cores: machine.cores,
    };
    await afterRun?.(env);
    return result;
  } finally {
    await killAll(workers);
    await env.close();
  }
}

export async function runScaleOut(options: ScaleOutOptions): Promise<ScaleOutResult> {
  const runs: ScaleOutRun[] = [];
  let statements: StatementCounts | undefined;
  for (const n of options.workers)
    runs.push(
      await runWith(n, options, async (env) => {
        statements ??= await statementsPerAccountCycle(env, {
          messages: options.messagesPerAccount,
          pageSize: options.pageSize,
        });
      }),
    );
  const single = runs.find((r) => r.workers === 1)?.itemsPerSecond;
  return {
    itemsPerSecond: Object.fromEntries(runs.map((r) => [`workers${r.workers}`, r.itemsPerSecond])),
    efficiency: Object.fromEntries(
      runs.map((r) => [
        `workers${r.workers}`,
        single ? round(r.itemsPerSecond / (r.workers * single), 3) : 0,
      ]),
    ),
    doubleLeases: runs.reduce((n, r) => n + r.doubleLeases, 0),
    statementsPerAccountCycle: statements!,
    runs,
    settings: {
      accounts: options.accounts,
      messagesPerAccount: options.messagesPerAccount,
      maxMailboxesPerWorker: options.maxMailboxesPerWorker,
      pageSize: options.pageSize,
      store: 'postgres (embedded, fsync off)',
      latency: 'graph preset',
      emulator: 'its own process',
    },
  };
}
