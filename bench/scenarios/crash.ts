import { waitFor } from '../../test/sync/support/wait.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../../test/sync/support/worker-process.js';
import type { StoreDialect } from '../../bot/store/store.js';
import {
  connectFast,
  createUsers,
  generateMailbox,
  seedContactsFromMailbox,
  setLatency,
  startBenchEnv,
  type SyncEnv,
} from '../support/bench-env.js';
import { compareAccount, expectedDiary, rulesFor, type Comparison } from '../support/crm-compare.js';
import { roundsComplete } from '../support/worker-runs.js';

/**
 * Exactly-once under crashes: a worker process (`bot/worker-main.ts`) importing a large mailbox and
 * calendar is SIGKILLed at random points of its progress, restarted, killed again, and finally left
 * to finish and stopped with SIGTERM. The CRM is then compared with the mailbox item by item.
 * Graph latency is on so that the import lasts long enough to be killed many times in the middle.
 */

export interface CrashOptions {
  kills: number;
  messages: number;
  events: number;
  dialect: StoreDialect;
  pageSize: number;
}

export interface CrashResult extends Omit<Comparison, 'examples'> {
  kills: number;
  messages: number;
  events: number;
  /** Items processed (filed or skipped) when each kill landed, in order. */
  killedAtProgress: number[];
  importCompleteBeforeLastKill: boolean;
  cleanStopExitCode: number | null;
  examples: string[];
  settings: { store: string; pageSize: number; latency: string };
}

/** Messages filed or skipped plus diary occurrences stored: how far the import has got. */
async function progress(env: SyncEnv): Promise<number> {
  const count = async (table: 'mail_item_owners' | 'sync_skips' | 'diary_item_owners') =>
    Number(
      (
        await env.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return (await count('mail_item_owners')) + (await count('sync_skips')) + (await count('diary_item_owners'));
}

export async function runCrash(options: CrashOptions): Promise<CrashResult> {
  const env = await startBenchEnv(options.dialect);
  const workers: WorkerProcess[] = [];
  try {
    const [user] = createUsers(env, 1, 'crash');
    const accountId = await connectFast(env, user!);
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
    await generateMailbox(env, user!.id, { messages: options.messages, events: options.events, seed: 7 });
    const contacts = await seedContactsFromMailbox(env, user!.id);
    await setLatency(env, true);
    const rules = rulesFor(contacts);
    // What a finished import holds (every message filed or skipped, every occurrence); kills aim short of it.
    const expectedTotal = options.messages + new Set(expectedDiary(env, user!.id, rules)).size;

    const environment = workerEnvironment(env, { SYNC_PAGE_SIZE: String(options.pageSize) });
    const killedAt: number[] = [];
    for (let kill = 0; kill < options.kills; kill += 1) {
      const before = await progress(env);
      const left = Math.max(1, expectedTotal - before);
      // A random point of the next stretch, sized so that every kill still lands inside the import.
      const target = before + 1 + Math.floor(Math.random() * (left / (options.kills - kill + 1)));
      const worker = spawnWorker(environment);
      workers.push(worker);
      await waitFor(
        async () => (await progress(env)) >= target || worker.child.exitCode !== null,
        10 * 60_000,
        `progress to ${target}`,
        10,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
      });
      if (worker.child.exitCode !== null)
        throw new Error(`the worker exited on its own:\n${worker.output()}`);
      worker.child.kill('SIGKILL');
      await worker.exited;
      killedAt.push(await progress(env));
    }
    const importCompleteBeforeLastKill = await roundsComplete(env.db, accountId, 3);

    const last = spawnWorker(environment);
    workers.push(last);
    await waitFor(() => roundsComplete(env.db, accountId, 3), 30 * 60_000, 'the import to finish', 100);
    last.child.kill('SIGTERM');
    const exit = await last.exited;

    const comparison = await compareAccount(env, { accountId, userId: user!.id }, rules, { diary: true });
    return {
      kills: killedAt.length,
      messages: options.messages,
      events: options.events,
      ...comparison,
      killedAtProgress: killedAt,
      importCompleteBeforeLastKill,
      cleanStopExitCode: exit.code,
      settings: { store: options.dialect, pageSize: options.pageSize, latency: 'graph preset' },
    };
  } finally {
    await killAll(workers);
    await env.close();
  }
}
