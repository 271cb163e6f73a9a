import { createHttpServer } from '../../bot/server/http-server.js';
import { messageFromSeed } from '../../emulator/graph/mailbox-seed.js';
import { messageSeed } from '../../emulator/graph/seed-schema.js';
import { DEFAULT_SCHEDULE_SETTINGS } from '../../bot/sync/core/scheduling.js';
import { newNotificationCounters, registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import { DEFAULT_SUBSCRIPTION_TIMING } from '../../bot/sync/subscriptions.js';
import { CONTOSO, seedContact } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import { notificationUrls, syncWorkerOn } from '../../test/sync/support/sync-worker.js';
import { waitFor } from '../../test/sync/support/wait.js';
import { connectMany, createUsers, setLatency, startBenchEnv, type SyncEnv } from '../support/bench-env.js';
import { percentile, round } from '../support/report.js';

/**
 * Freshness under load: many active accounts (mail and diary on) receiving mail at a steady combined
 * rate, each message brought in through its change notification. The worker (production schedule,
 * notification and subscription settings; `maxMailboxes` given) and the notification routes run in
 * this process on PostgreSQL behind a loopback HTTP server the emulator posts to, with Graph latency
 * on. Each message goes to a random account at its moment of a fixed-rate timetable; its freshness
 * is from the emulator accepting it to its CRM row's commit time. "Lost" counts messages not in the
 * CRM by the end of the grace period (their notification's read never happened).
 */

export interface FreshnessLoadOptions {
  accounts: number;
  messagesPerSecond: number;
  seconds: number;
  maxMailboxes: number;
}

export interface FreshnessLoadResult {
  accounts: number;
  messages: number;
  /** Achieved: messages ÷ the time it took to add them. */
  messagesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  lost: number;
  accountRuns: number;
  notificationsRefused: number;
  runSeconds: number;
  settings: { latency: string; maxMailboxes: number; store: string };
}

const CONTACT = 'priya.patel@example.com';
/** After the last message, how long the CRM has to catch up before the rest count as lost. */
const GRACE_MS = 60_000;

async function arrivedAt(env: SyncEnv, ids: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await env.db
      .selectFrom('mail_items')
      .select(['internet_message_id', 'created_at'])
      .where('internet_message_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) found.set(r.internet_message_id, Date.parse(r.created_at));
  }
  return found;
}

export async function runFreshnessLoad(options: FreshnessLoadOptions): Promise<FreshnessLoadResult> {
  const runStarted = performance.now();
  const env = await startBenchEnv('postgres');
  const http = createHttpServer({ logger: env.logger, healthChecks: [] });
  let runs = 0;
  try {
    const users = createUsers(env, options.accounts, 'load');
    const ids = await connectMany(env, users, 16);
    await seedContact(env.store, CONTOSO.id, 'Priya Patel', [CONTACT]);
    await setLatency(env, true);
    const port = await http.listen(0, '127.0.0.1');
    const publicUrl = `http://127.0.0.1:${port}`;
    const worker = syncWorkerOn(env, {
      settings: testSettings({ schedule: DEFAULT_SCHEDULE_SETTINGS }),
      subscriptions: {
        ...notificationUrls(publicUrl),
        ...DEFAULT_SUBSCRIPTION_TIMING,
      },
      maxMailboxes: options.maxMailboxes,
      onRun: () => void (runs += 1),
    });
    const counters = newNotificationCounters();
    registerNotificationRoutes(http.server, {
      db: env.db,
      logger: env.logger,
      requests: worker.requests,
      counters,
    });
    worker.start();
    try {
      await waitFor(
        async () => {
          const row = await env.db
            .selectFrom('graph_subscriptions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          return Number(row.n) === 3 * ids.length;
        },
        30 * 60_000,
        'every account synced and subscribed',
        500,
      );
      await waitFor(() => worker.running().length === 0, 5 * 60_000, 'the worker idle', 50);
      const refusedBefore = counters.overBudget;
      const runsBefore = runs;

      const total = Math.round(options.messagesPerSecond * options.seconds);
      const sent = new Map<string, number>();
      const started = performance.now();
      for (let i = 0; i < total; i += 1) {
        const due = started + (i * 1000) / options.messagesPerSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const user = users[Math.floor(Math.random() * users.length)]!;
        const internetMessageId = `<load-${process.pid}-${i}@bench.example>`;
        // In-process, as the control API's POST /mailboxes/{id}/messages does: a hundred HTTP calls a
        // second to the same process would only measure the loopback client.
        const store = env.emu.ctx.mailboxes;
        const mailbox = store.mailbox(user.id);
        const seed = messageSeed.parse({
          folder: 'inbox',
          subject: `Load ${i}`,
          from: CONTACT,
          to: [user.username],
          internetMessageId,
        });
        const input = messageFromSeed(seed, mailbox.tag, store.now());
        sent.set(internetMessageId, Date.now());
        mailbox.messages.add(input.folder, input.fields, input.sensitivity, store.now());
      }
      const sendingSeconds = (performance.now() - started) / 1000;
      const messageIds = [...sent.keys()];
      await waitFor(
        async () => (await arrivedAt(env, messageIds)).size === messageIds.length,
        GRACE_MS,
        'every message in the CRM',
        250,
      ).catch(() => undefined);
      const arrived = await arrivedAt(env, messageIds);
      const latencies = messageIds
        .filter((id) => arrived.has(id))
        .map((id) => Math.max(0, arrived.get(id)! - sent.get(id)!));
      return {
        accounts: options.accounts,
        messages: messageIds.length,
        messagesPerSecond: round(messageIds.length / sendingSeconds, 1),
        p50Ms: round(percentile(latencies, 50)),
        p95Ms: round(percentile(latencies, 95)),
        p99Ms: round(percentile(latencies, 99)),
        maxMs: round(Math.max(...latencies)),
        lost: messageIds.length - latencies.length,
        accountRuns: runs - runsBefore,
        notificationsRefused: counters.overBudget - refusedBefore,
        runSeconds: round((performance.now() - runStarted) / 1000, 1),
        settings: {
          latency: 'graph preset',
          maxMailboxes: options.maxMailboxes,
          store: 'postgres (embedded, fsync off)',
        },
      };
    } finally {
      await worker.stop();
    }
  } finally {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env.close();
  }
}
