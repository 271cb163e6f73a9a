import { waitFor } from '../../test/sync/support/wait.js';
import { switchOff } from '../../test/sync/support/accounts.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../../test/sync/support/worker-process.js';
import {
  connectMany,
  createUsers,
  generateMailbox,
  setLatency,
  startBenchEnv,
  type SyncEnv,
} from '../support/bench-env.js';
import { round } from '../support/report.js';
import { runSpanSeconds } from '../support/worker-runs.js';

/**
 * Scale-out on PostgreSQL: the same import (many accounts, each with its own generated mailbox)
 * done by 1, 2 and 3 worker processes sharing the accounts through leases, with Graph latency on.
 * Each configuration gets a fresh database and emulator. Runs of one account never overlap in time
 * unless two workers held it at once: such overlaps are counted as `doubleLeases`.
 */

export interface ScaleOutOptions {
  accounts: number;
  messagesPerAccount: number;
  workers: readonly number[];
  maxMailboxesPerWorker: number;
}

export interface ScaleOutRun {
  workers: number;
  items: number;
  seconds: number;
  itemsPerSecond: number;
  doubleLeases: number;
}

export interface ScaleOutResult {
  itemsPerSecond: Record<string, number>;
  doubleLeases: number;
  runs: ScaleOutRun[];
  settings: {
    accounts: number;
    messagesPerAccount: number;
    maxMailboxesPerWorker: number;
    store: string;
    latency: string;
  };
}

async function overlappingRuns(env: SyncEnv): Promise<number> {
  const runs = await env.db
    .selectFrom('sync_runs')
    .select(['account_id', 'started_at', 'ended_at'])
    .orderBy('account_id')
    .orderBy('started_at')
    .execute();
  let overlaps = 0;
  for (let i = 1; i < runs.length; i += 1) {
    const prev = runs[i - 1]!;
    const cur = runs[i]!;
    if (prev.account_id !== cur.account_id) continue;
    const prevEnd = prev.ended_at ? Date.parse(prev.ended_at) : Number.POSITIVE_INFINITY;
    if (Date.parse(cur.started_at) < prevEnd) overlaps += 1;
  }
  return overlaps;
}

async function runWith(workerCount: number, options: ScaleOutOptions): Promise<ScaleOutRun> {
  const env = await startBenchEnv('postgres');
  const workers: WorkerProcess[] = [];
  try {
    const users = createUsers(env, options.accounts, `scaleout${workerCount}.`);
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
    const seconds = await runSpanSeconds(env.db, ids);
    const owners = await env.db
      .selectFrom('mail_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(owners.n) !== total) throw new Error(`imported ${owners.n} of ${total} messages`);
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    return {
      workers: workerCount,
      items: total,
      seconds: round(seconds, 2),
      itemsPerSecond: Math.round(total / seconds),
      doubleLeases: await overlappingRuns(env),
    };
  } finally {
    await killAll(workers);
    await env.close();
  }
}

export async function runScaleOut(options: ScaleOutOptions): Promise<ScaleOutResult> {
  const runs: ScaleOutRun[] = [];
  for (const n of options.workers) runs.push(await runWith(n, options));
  return {
    itemsPerSecond: Object.fromEntries(runs.map((r) => [`workers${r.workers}`, r.itemsPerSecond])),
    doubleLeases: runs.reduce((n, r) => n + r.doubleLeases, 0),
    runs,
    settings: {
      accounts: options.accounts,
      messagesPerAccount: options.messagesPerAccount,
      maxMailboxesPerWorker: options.maxMailboxesPerWorker,
      store: 'postgres (embedded, fsync off)',
      latency: 'graph preset',
    },
  };
}
