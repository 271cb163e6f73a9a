import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { DEFAULT_SCHEDULE_SETTINGS } from '../../bot/sync/core/scheduling.js';
import { registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import type { SyncWorker } from '../../bot/sync/worker.js';
import { CONTOSO, seedContact, switchOff } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import { notificationUrls, syncWorkerOn } from '../../test/sync/support/sync-worker.js';
import { waitFor } from '../../test/sync/support/wait.js';
import { connectMany, createUsers, setLatency, startBenchEnv, type SyncEnv } from '../support/bench-env.js';
import { percentile, round } from '../support/report.js';

/**
 * Freshness: from the emulator creating a message to its CRM row being committed.
 *
 * With notifications: the worker (production schedule settings) and the notification routes run in
 * this process behind a loopback HTTP server the emulator posts to; one message at a time, each after
 * the worker has gone idle, so every sample is a change arriving at a quiet worker.
 *
 * Polling only: no subscriptions, a short poll interval (the production default is 5 minutes, which
 * would make the run last an hour); several accounts each get one message at a random moment of the
 * interval, measured together. The result scales with the interval; bench/README.md says how.
 */

export interface FreshnessOptions {
  samples: number;
  pollingAccounts: number;
  pollIntervalSeconds: number;
}

export interface FreshnessResult {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  pollingOnlySamples: number;
  pollingOnlyP50Ms: number;
  pollingOnlyP95Ms: number;
  settings: { latency: string; pollIntervalSecondsForPollingOnly: number; notificationDelayMs: number };
}

const CONTACT = 'priya.patel@example.com';

interface Running {
  env: SyncEnv;
  worker: SyncWorker;
  http: HttpServer;
  accounts: { accountId: string; userId: string; username: string }[];
}

async function start(accounts: number, notifications: boolean, pollIntervalMs: number): Promise<Running> {
  const env = await startBenchEnv('sqlite');
  const users = createUsers(env, accounts, notifications ? 'fresh.notified' : 'fresh.polled');
  const ids = await connectMany(env, users);
  await switchOff(env.store, ids, 'diary');
  await seedContact(env.store, CONTOSO.id, 'Priya Patel', [CONTACT]);
  await setLatency(env, true);
  const http = createHttpServer({ logger: env.logger, healthChecks: [] });
  const port = await http.listen(0, '127.0.0.1');
  const publicUrl = `http://127.0.0.1:${port}`;
  const worker = syncWorkerOn(env, {
    settings: testSettings({ schedule: { ...DEFAULT_SCHEDULE_SETTINGS, pollIntervalMs } }),
    subscriptions: notifications
      ? {
          ...notificationUrls(publicUrl),
          lifetimeMs: 3 * 86_400_000,
          renewBeforeMs: 86_400_000,
        }
      : null,
    maxMailboxes: Math.max(8, accounts),
  });
  registerNotificationRoutes(http.server, { db: env.db, logger: env.logger, requests: worker.requests });
  worker.start();
  return {
    env,
    worker,
    http,
    accounts: users.map((u, i) => ({ accountId: ids[i]!, userId: u.id, username: u.username })),
  };
}

async function stop(r: Running): Promise<void> {
  await r.worker.stop();
  await new Promise<void>((resolve) => r.http.server.close(() => resolve()));
  await r.env.close();
}

let sequence = 0;

/** Adds a message from a CRM contact and resolves with the milliseconds until its CRM row exists. */
async function measureOne(r: Running, account: Running['accounts'][number]): Promise<number> {
  const internetMessageId = `<freshness-${process.pid}-${(sequence += 1)}@bench.example>`;
  const started = performance.now();
  const res = await r.env.control('POST', `/mailboxes/${account.userId}/messages`, {
    folder: 'inbox',
    subject: 'Freshness probe',
    from: CONTACT,
    to: [account.username],
    internetMessageId,
  });
  if (res.status !== 201) throw new Error(`adding the probe failed: ${await res.text()}`);
  await waitFor(
    async () =>
      (await r.env.db
        .selectFrom('mail_items')
        .select('id')
        .where('internet_message_id', '=', internetMessageId)
        .executeTakeFirst()) !== undefined,
    15 * 60_000,
    `the probe ${internetMessageId} in the CRM`,
    5,
  );
  return performance.now() - started;
}

async function initialRoundsDone(r: Running): Promise<void> {
  await waitFor(
    async () => {
      const done = await r.env.db
        .selectFrom('sync_accounts')
        .select('id')
        .where('last_synced_at', 'is not', null)
        .execute();
      return done.length === r.accounts.length;
    },
    5 * 60_000,
    'the first sync of every account',
    50,
  );
}

export async function runFreshness(options: FreshnessOptions): Promise<FreshnessResult> {
  const notified = await start(1, true, DEFAULT_SCHEDULE_SETTINGS.pollIntervalMs);
  const samples: number[] = [];
  try {
    await initialRoundsDone(notified);
    await waitFor(
      async () =>
        (await notified.env.db.selectFrom('graph_subscriptions').select('id').execute()).length === 2,
      60_000,
      'the mail subscriptions',
      50,
    );
    for (let i = 0; i < options.samples; i += 1) {
      await waitFor(() => notified.worker.running().length === 0, 60_000, 'the worker to go idle', 5);
      samples.push(await measureOne(notified, notified.accounts[0]!));
    }
  } finally {
    await stop(notified);
  }

  const polled = await start(options.pollingAccounts, false, options.pollIntervalSeconds * 1000);
  const pollingSamples: number[] = [];
  try {
    await initialRoundsDone(polled);
    const interval = options.pollIntervalSeconds * 1000;
    // Each account's message lands at a random moment of the poll cycle, as real mail does.
    await Promise.all(
      polled.accounts.map(async (account) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * interval));
        pollingSamples.push(await measureOne(polled, account));
      }),
    );
  } finally {
    await stop(polled);
  }

  return {
    samples: samples.length,
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    p99Ms: round(percentile(samples, 99)),
    maxMs: round(Math.max(...samples)),
    pollingOnlySamples: pollingSamples.length,
    pollingOnlyP50Ms: round(percentile(pollingSamples, 50)),
    pollingOnlyP95Ms: round(percentile(pollingSamples, 95)),
    settings: {
      latency: 'graph preset',
      pollIntervalSecondsForPollingOnly: options.pollIntervalSeconds,
      notificationDelayMs: DEFAULT_SCHEDULE_SETTINGS.notificationDelayMs,
    },
  };
}
