import { createHttpServer } from '../../bot/server/http-server.js';
import { DEFAULT_SCHEDULE_SETTINGS } from '../../bot/sync/core/scheduling.js';
import { newNotificationCounters, registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import { DEFAULT_SUBSCRIPTION_TIMING } from '../../bot/sync/subscriptions.js';
import { CONTOSO, seedContact } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import { notificationUrls, syncWorkerOn } from '../../test/sync/support/sync-worker.js';
import { waitFor } from '../../test/sync/support/wait.js';
import { addUsers, connectMany, setLatency, startBenchEnv, type SyncEnv } from '../support/bench-env.js';
import type { DemoUser } from '../../test/sync/support/sync-env.js';
import { cpuMs } from '../support/process-stats.js';
import { percentile, round } from '../support/report.js';

/**
 * Freshness under load: many active accounts (mail and diary on) receiving mail at a steady combined
 * rate, each message brought in through its change notification. The worker (production schedule,
 * notification and subscription settings; `maxMailboxes` given) and the notification routes run in
 * this process on PostgreSQL behind a loopback HTTP server the emulator posts to, with Graph latency
 * on. The emulator runs in a process of its own, as Graph would: its work (storing mail, posting
 * notifications, answering delta requests) is not charged to the worker. Each message goes to a
 * random account at its moment of a fixed-rate timetable, through the emulator's control API; its
 * freshness is from that request being sent to its CRM row's commit time. "Lost" counts messages not
 * in the CRM by the end of the grace period.
 *
 * What shows a collapse, and where: the account runs and their mean time (slots busy ÷ runs), which
 * resources the runs read (a run reading the whole mailbox after a notification means a `missed`
 * event or a lost notification), notifications refused and lifecycle events, and the CPU share of
 * the worker's and the emulator's processes.
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
  /** From the first message until every message arrived (or the grace period ended). */
  accountRuns: number;
  /** Mailbox slots busy over the window ÷ runs. */
  meanRunMs: number;
  /** Mean share of the mailbox slots busy over the window. */
  slotsBusy: number;
  /** Runs by what they read: every resource, only those a notification named, nothing. */
  runsReading: { wholeMailbox: number; namedResources: number; nothing: number };
  /** Runs by how they ended (completed, failed, throttled, ...): one that did not complete reads again. */
  runOutcomes: Record<string, number>;
  notificationsRefused: number;
  lifecycleNotifications: number;
  /** CPU time ÷ wall time over the window: 1 is one core. */
  cpu: { workerProcess: number; emulatorProcess: number };
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

/**
 * One message through the control API. A connection reset is tried again: the internet message id
 * identifies the message, so one stored twice still counts once.
 */
async function addMessage(env: SyncEnv, user: DemoUser, message: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const res = await env.control('POST', `/mailboxes/${user.id}/messages`, message);
      if (res.status !== 201) throw new Error(`adding a message failed: ${await res.text()}`);
      return;
    } catch (err) {
      if (attempt === 3 || !(err instanceof TypeError)) throw err;
    }
  }
}

function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export async function runFreshnessLoad(options: FreshnessLoadOptions): Promise<FreshnessLoadResult> {
  const runStarted = performance.now();
  const env = await startBenchEnv('postgres', { emulatorProcess: true });
  const emulatorPid = (env.emu as { pid?: number }).pid!;
  const http = createHttpServer({ logger: env.logger, healthChecks: [] });
  let runs = 0;
  const reading = { wholeMailbox: 0, namedResources: 0, nothing: 0 };
  let outcomes: Record<string, number> = {};
  try {
    const users = await addUsers(env, options.accounts, 'load');
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
      onRun: (_id, result) => {
        runs += 1;
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        if (result.readMailbox) reading.wholeMailbox += 1;
        else if (Object.keys(result.resources).length > 0) reading.namedResources += 1;
        else reading.nothing += 1;
      },
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
      const lifecycleBefore = counters.lifecycle;
      const runsBefore = runs;
      Object.assign(reading, { wholeMailbox: 0, namedResources: 0, nothing: 0 });
      outcomes = {};
      let slotSamples = 0;
      let slotsBusy = 0;
      const sampler = setInterval(() => {
        slotSamples += 1;
        slotsBusy += worker.running().length;
      }, 50);
      const cpuBefore = { worker: process.cpuUsage(), emulator: cpuMs(emulatorPid) };

      const total = Math.round(options.messagesPerSecond * options.seconds);
      const sent = new Map<string, number>();
      const posts: Promise<void>[] = [];
      const failures: unknown[] = [];
      const started = performance.now();
      for (let i = 0; i < total; i += 1) {
        const due = started + (i * 1000) / options.messagesPerSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const user = users[Math.floor(Math.random() * users.length)]!;
        const internetMessageId = `<load-${process.pid}-${i}@bench.example>`;
        sent.set(internetMessageId, Date.now());
        // Not awaited: the timetable holds whatever the emulator's answer time.
        posts.push(
          addMessage(env, user, {
            folder: 'inbox',
            subject: `Load ${i}`,
            from: CONTACT,
            to: [user.username],
            internetMessageId,
          }).catch((err: unknown) => void failures.push(err)),
        );
      }
      await Promise.all(posts);
      if (failures.length > 0) {
        const first = failures[0] as Error & { cause?: unknown };
        throw new Error(
          `${failures.length} messages could not be added; the first: ${first.message} (${String(first.cause)})`,
        );
      }
      const sendingSeconds = (performance.now() - started) / 1000;
      const messageIds = [...sent.keys()];
      await waitFor(
        async () => (await arrivedAt(env, messageIds)).size === messageIds.length,
        GRACE_MS,
        'every message in the CRM',
        250,
      ).catch(() => undefined);
      clearInterval(sampler);
      const windowMs = performance.now() - started;
      const cpu = {
        workerProcess: round(cpuMsSince(cpuBefore.worker) / windowMs, 2),
        emulatorProcess: round((cpuMs(emulatorPid) - cpuBefore.emulator) / windowMs, 2),
      };
      const accountRuns = runs - runsBefore;
      const busy = slotSamples === 0 ? 0 : slotsBusy / slotSamples;
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
        accountRuns,
        meanRunMs: accountRuns === 0 ? 0 : round((busy * windowMs) / accountRuns),
        slotsBusy: round(busy / options.maxMailboxes, 2),
        runsReading: { ...reading },
        runOutcomes: { ...outcomes },
        notificationsRefused: counters.overBudget - refusedBefore,
        lifecycleNotifications: counters.lifecycle - lifecycleBefore,
        cpu,
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
