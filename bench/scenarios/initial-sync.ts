import { graphApiRoot } from '../../bot/sync/graph-client.js';
import { DEFAULT_WINDOW_SETTINGS, idealWindow } from '../../bot/sync/core/calendar-window.js';
import { nextDiaryRequest, nextMailRequest } from '../../bot/sync/core/delta-cursor.js';
import { waitFor } from '../../test/sync/support/wait.js';
import { killAll, spawnWorker, workerEnvironment } from '../../test/sync/support/worker-process.js';
import {
  clearRequestCounters,
  connectFast,
  createUsers,
  generateMailbox,
  requestCounters,
  seedContactsFromMailbox,
  setLatency,
  startBenchEnv,
} from '../support/bench-env.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monotonicMicros, summariseProfileDir, type CpuBreakdown } from '../support/cpu-profile.js';
import { cpuMs, rssSampler } from '../support/process-stats.js';
import { round } from '../support/report.js';
import { roundsComplete, runEntry, runSpanSeconds } from '../support/worker-runs.js';

/**
 * Initial sync of one large mailbox by the worker process (`bot/worker-main.ts`, SQLite store), and
 * in the same run a bare client paging the same delta queries (bench/support/raw-client.ts) against
 * the same emulator: the ceiling the worker is measured against. Both page the two folders and the
 * calendar side by side, within Graph's four concurrent requests per mailbox.
 */

/** The worker's initial import in the last run that paged one request at a time (latency on). */
export const ONE_AT_A_TIME_ITEMS_PER_SECOND = 1151;

/** The mailbox the worker imports before the measured one, so the measurement starts warm. */
const WARM_UP_MESSAGES = 2_000;
const WARM_UP_EVENTS = 200;

export interface InitialSyncOptions {
  messages: number;
  events: number;
  latency: boolean;
  pageSize: number;
  /** Run the worker under `node --cpu-prof` and report where its CPU went. */
  profile?: boolean;
  /** Keep the worker's profiles here (for `bench/support/profile-breakdown.ts`) instead of a temporary folder. */
  profileDir?: string;
}

export interface InitialSyncResult {
  messages: number;
  events: number;
  /** Items Graph returned: the folders' messages (the whole folder, see delta-cursor.ts) plus calendar instances in the diary window. */
  items: number;
  seconds: number;
  itemsPerSecond: number;
  rawSeconds: number;
  rawItemsPerSecond: number;
  ratioToRaw: number;
  graphRequests: number;
  rawGraphRequests: number;
  requestsPer1000Items: number;
  workerPeakRssMb: number;
  /** The worker process's CPU time (user + system) over the import, after start-up and a warm-up import, per item. */
  workerCpuMicrosPerItem: number;
  /**
   * The bare client's CPU (user + system, all its threads) over its paging, per item: what reading and
   * parsing the pages alone costs, the part of workerCpuMicrosPerItem no storing can remove.
   */
  rawCpuMicrosPerItem: number;
  /**
   * Latency off only (bench/support/store-floor.ts): the CPU of writing exactly the rows this import
   * filed into a fresh store by plain prepared INSERTs, page by page, per item Graph returned (the
   * same denominator as workerCpuMicrosPerItem). With rawCpuMicrosPerItem, a floor for any worker
   * that stores these rows on SQLite.
   */
  storeFloor?: { filedItems: number; rows: number; cpuMicrosPerItem: number };
  /** The worker's CPU from its launch until it said it had started (loading modules, opening the store). */
  workerStartupCpuMs: number;
  /** itemsPerSecond ÷ the last one-at-a-time run's figure (meaningful with latency on). */
  speedupVsOneAtATime: number;
  /** Most requests the emulator saw in flight to the mailbox at once, and its MailboxConcurrency 429s. */
  maxInFlight: number;
  concurrencyThrottled: number;
  /** With `profile`: the worker's sampled CPU during the import, by concern. */
  cpuProfile?: CpuBreakdown;
  settings: { latency: string; pageSize: number; store: string; concurrencyPerMailbox: number };
}

export async function runInitialSync(options: InitialSyncOptions): Promise<InitialSyncResult> {
  const env = await startBenchEnv('sqlite');
  const workers: ReturnType<typeof spawnWorker>[] = [];
  try {
    const [user] = createUsers(env, 1, 'bench.initial');
    const accountId = await connectFast(env, user!);
    await generateMailbox(env, user!.id, { messages: options.messages, events: options.events, seed: 42 });
    await seedContactsFromMailbox(env, user!.id);
    const [warmUpUser] = createUsers(env, 1, 'bench.warmup');
    const warmUpAccount = await connectFast(env, warmUpUser!);
    await generateMailbox(env, warmUpUser!.id, {
      messages: Math.min(WARM_UP_MESSAGES, options.messages),
      events: Math.min(WARM_UP_EVENTS, options.events),
      seed: 7,
    });
    await seedContactsFromMailbox(env, warmUpUser!.id);
    await setLatency(env, options.latency);

    // The bare client, with the worker's own request builders and a token from the vault.
    const now = Date.now();
    const apiRoot = graphApiRoot(env.emu.origin);
    const resources = [
      ...['inbox', 'sentitems'].map((folder) =>
        nextMailRequest(null, {
          graphBaseUrl: apiRoot,
          folder,
          expandSensitivity: true,
          pageSize: options.pageSize,
        }),
      ),
      nextDiaryRequest(null, {
        graphBaseUrl: apiRoot,
        window: idealWindow(now, DEFAULT_WINDOW_SETTINGS),
        pageSize: options.pageSize,
      }),
    ];
    const identity = await env.db
      .selectFrom('sync_accounts')
      .select(['ms_tenant_id', 'ms_object_id'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    const token = await env.tokens.accessToken({
      id: accountId,
      msTenantId: identity.ms_tenant_id,
      msObjectId: identity.ms_object_id,
    });
    const before = requestCounters(env, user!.id).requests;
    const raw = await runEntry<{ items: number; requests: number; ms: number; cpuMs: number }>(
      'bench/support/raw-client.ts',
      {
        RAW_CLIENT_INPUT: JSON.stringify({ caPem: env.emu.caPem, token, resources }),
      },
    );
    const afterRaw = requestCounters(env, user!.id).requests;
    // The worker's own counters (requests, most in flight, 429s) start here.
    clearRequestCounters(env, user!.id);

    const profileDir = options.profile
      ? (options.profileDir ?? mkdtempSync(path.join(os.tmpdir(), 'worker-prof-')))
      : null;
    // Not due until the worker is up and warm, so its CPU is counted over the import alone.
    await env.db
      .updateTable('sync_accounts')
      .set({ next_run_at: '2999-01-01T00:00:00.000Z' })
      .where('id', '=', accountId)
      .execute();
    const worker = spawnWorker(
      workerEnvironment(env, {
        SYNC_PAGE_SIZE: String(options.pageSize),
        SYNC_ROUNDS_PER_MAILBOX: '3',
        GRAPH_NOTIFICATIONS: 'false',
        LOG_LEVEL: 'info',
        // The worker's default: the tests' short lease is for quick takeovers after a kill.
        SYNC_LEASE_SECONDS: '60',
      }),
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    workers.push(worker);
    await waitFor(() => worker.output().includes('sync worker started'), 60_000, 'the worker to start', 50);
    const startupCpu = cpuMs(worker.child.pid!);
    // A small import of another mailbox first: the code paths run once (lazy compilation, JIT, the
    // statement cache, the connection pool), so what follows is the steady cost of an item.
    await waitFor(() => roundsComplete(env.db, warmUpAccount, 3), 10 * 60_000, 'the warm-up import', 100);
    const rss = rssSampler(worker.child.pid!);
    const cpuBefore = cpuMs(worker.child.pid!);
    const importStartedUs = monotonicMicros();
    await env.db
      .updateTable('sync_accounts')
      .set({ next_run_at: null })
      .where('id', '=', accountId)
      .execute();
    await waitFor(() => roundsComplete(env.db, accountId, 3), 30 * 60_000, 'the initial sync', 100).catch(
      (err: Error) => {
        throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
      },
    );
    const importEndedUs = monotonicMicros();
    const memory = rss.stop();
    const workerCpu = cpuMs(worker.child.pid!) - cpuBefore;
    const counters = requestCounters(env, user!.id);
    worker.child.kill('SIGTERM');
    await worker.exited;
    const cpuProfile = profileDir
      ? summariseProfileDir(profileDir, { fromUs: importStartedUs, toUs: importEndedUs })
      : undefined;
    if (profileDir && !options.profileDir) rmSync(profileDir, { recursive: true, force: true });
    // Not latency-bound, so measured once, beside the latency-off import.
    const storeFloor = options.latency
      ? undefined
      : await runEntry<{ rows: number; items: number; cpuMs: number; ms: number }>(
          'bench/support/store-floor.ts',
          {
            STORE_FLOOR_INPUT: JSON.stringify({
              source: env.fixture.database.options.sqlitePath,
              accountId,
              pageSize: options.pageSize,
            }),
          },
        );
    const seconds = await runSpanSeconds(env.db, [accountId]);
    const graphRequests = counters.requests;
    const rawSeconds = raw.ms / 1000;
    const itemsPerSecond = raw.items / seconds;
    const rawItemsPerSecond = raw.items / rawSeconds;
    return {
      messages: options.messages,
      events: options.events,
      items: raw.items,
      seconds: round(seconds, 2),
      itemsPerSecond: Math.round(itemsPerSecond),
      rawSeconds: round(rawSeconds, 2),
      rawItemsPerSecond: Math.round(rawItemsPerSecond),
      ratioToRaw: round(itemsPerSecond / rawItemsPerSecond, 3),
      graphRequests,
      rawGraphRequests: afterRaw - before,
      requestsPer1000Items: round((graphRequests * 1000) / raw.items, 2),
      workerPeakRssMb: round(memory.peakMb),
      workerCpuMicrosPerItem: round((workerCpu * 1000) / raw.items, 1),
      rawCpuMicrosPerItem: round((raw.cpuMs * 1000) / raw.items, 1),
      ...(storeFloor
        ? {
            storeFloor: {
              filedItems: storeFloor.items,
              rows: storeFloor.rows,
              cpuMicrosPerItem: round((storeFloor.cpuMs * 1000) / raw.items, 1),
            },
          }
        : {}),
      workerStartupCpuMs: Math.round(startupCpu),
      speedupVsOneAtATime: round(itemsPerSecond / ONE_AT_A_TIME_ITEMS_PER_SECOND, 2),
      maxInFlight: counters.maxInFlight,
      concurrencyThrottled: counters.throttled,
      ...(cpuProfile ? { cpuProfile } : {}),
      settings: {
        latency: options.latency ? 'graph preset (120 ms/request + 0.6 ms/item, ±25 %)' : 'off',
        pageSize: options.pageSize,
        store: 'sqlite',
        concurrencyPerMailbox: 4,
      },
    };
  } finally {
    await killAll(workers);
    await env.close();
  }
}
