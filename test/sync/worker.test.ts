import assert from 'node:assert/strict';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import { syncWorkerShutdownStep, type SyncWorker } from '../../bot/sync/worker.js';
import { DEMO } from '../support/emulator-msal.js';
import { notificationUrls, syncWorkerOn } from './support/sync-worker.js';
import { waitFor } from './support/wait.js';
import {
  connectAccount,
  seedContosoCrm,
  startSyncEnv,
  testSettings,
  type SyncEnv,
} from './support/sync-env.js';

/**
 * The worker as the server process runs it: leases, its own schedule, Graph subscriptions created for
 * the account, and the notification endpoint feeding it. With polling set to ten minutes, only a
 * change notification can bring a new message into the CRM within seconds.
 */

/** Tom Becker of Northwind writes to Alice: the message lands in her Inbox; its Internet message id. */
async function mailFromNorthwind(env: SyncEnv, subject: string): Promise<string> {
  const res = await env.control('POST', `/mailboxes/${DEMO.alice.id}/messages`, {
    folder: 'inbox',
    subject,
    from: 'tom.becker@northwind.example',
    to: [DEMO.alice.username],
  });
  return ((await res.json()) as { internetMessageId: string }).internetMessageId;
}

async function filedInCrm(env: SyncEnv, internetMessageId: string): Promise<boolean> {
  const row = await env.db
    .selectFrom('mail_items')
    .select('id')
    .where('internet_message_id', '=', internetMessageId)
    .executeTakeFirst();
  return row !== undefined;
}

interface EmulatorSubscription {
  id: string;
  resource: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
}

/**
 * A worker that relies on change notifications: polling ten minutes away (or `pollIntervalMs`),
 * subscriptions for two days.
 */
function notifiedWorker(publicUrl: string, pollIntervalMs = 600_000) {
  return {
    settings: testSettings({
      schedule: {
        pollIntervalMs,
        pollJitter: 0,
        notificationDelayMs: 100,
        failureBaseDelayMs: 500,
      },
    }),
    subscriptions: {
      ...notificationUrls(publicUrl),
      lifetimeMs: 2 * 86_400_000,
      renewBeforeMs: 86_400_000,
    },
  };
}
describe('sync worker with change notifications [sqlite]', function () {
  this.timeout(90_000);
  let env: SyncEnv;
  let http: HttpServer;
  let worker: SyncWorker;
  let accountId: string;
  let publicUrl: string;
  const runs: string[] = [];
  const readResources: string[][] = [];
  const alice = DEMO.alice;
  // The product's clock, moved on together with the emulator's when a test lets time pass.
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    accountId = await connectAccount(env, alice);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
    const port = await http.listen(0, '127.0.0.1');
    publicUrl = `http://127.0.0.1:${port}`;
    worker = syncWorkerOn(env, {
      ...notifiedWorker(publicUrl),
      claimIntervalMs: 200,
      leaseMs: 10_000,
      now,
      onRun: (id, result) => {
        runs.push(`${id}:${result.outcome}`);
        readResources.push(Object.keys(result.resources).sort());
      },
    });
    registerNotificationRoutes(http.server, {
      db: env.db,
      logger: env.logger,
      requests: worker.requests,
      now,
    });
    worker.start();
  });

  after(async function () {
    await worker?.stop();
    if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env?.close();
  });

  async function emulatorSubscriptions(): Promise<EmulatorSubscription[]> {
    const res = await env.control('GET', '/subscriptions');
    return ((await res.json()) as { value: EmulatorSubscription[] }).value;
  }

  const stored = () => env.db.selectFrom('graph_subscriptions').selectAll().orderBy('resource').execute();

  it('imports the account and subscribes to its folders and calendar with a hashed clientState', async function () {
    await waitFor(async () => (await stored()).length === 3, 30_000, 'three subscriptions');
    const rows = await stored();
    assert.deepEqual(
      rows.map((r) => r.resource),
      ['diary', 'mail:inbox', 'mail:sentitems'],
    );
    const atGraph = await emulatorSubscriptions();
    assert.deepEqual(new Set(atGraph.map((s) => s.id)), new Set(rows.map((r) => r.id)));
    for (const s of atGraph) {
      assert.equal(s.notificationUrl, `${publicUrl}/api/notifications`);
      assert.equal(s.lifecycleNotificationUrl, `${publicUrl}/api/notifications/lifecycle`);
    }
    assert.deepEqual(atGraph.map((s) => s.resource).sort(), [
      'me/events',
      "me/mailFolders('inbox')/messages",
      "me/mailFolders('sentitems')/messages",
    ]);
    for (const row of rows) assert.match(row.client_state_hash, /^[0-9a-f]{64}$/);
    const account = await env.db
      .selectFrom('sync_accounts')
      .select(['last_synced_at', 'next_run_at'])
      .executeTakeFirstOrThrow();
    assert.ok(account.last_synced_at !== null);
    assert.ok(Date.parse(account.next_run_at!) > Date.now() + 500_000, 'the next poll is ten minutes away');
  });

  it('brings a new message into the CRM within seconds of its change notification, reading only its folder', async function () {
    const runsBefore = readResources.length;
    const sent = Date.now();
    const internetMessageId = await mailFromNorthwind(env, 'Fresh news from Northwind');
    await waitFor(() => filedInCrm(env, internetMessageId), 5_000, 'the message in the CRM');
    const latency = Date.now() - sent;
    assert.ok(latency < 5_000, `arrived after ${latency} ms`);
    const deliveries = await env.control('GET', '/subscriptions/deliveries');
    const value = ((await deliveries.json()) as { value: { kind: string; delivered: boolean }[] }).value;
    assert.ok(
      value.some((d) => d.kind === 'change' && d.delivered),
      'a change notification was delivered and accepted',
    );
    // One delta request of the inbox, not of Sent Items and the calendar as well.
    await waitFor(
      () => readResources.slice(runsBefore).some((r) => r.length > 0),
      5_000,
      'the run that read it to finish',
    );
    const reads = readResources.slice(runsBefore).filter((r) => r.length > 0);
    assert.deepEqual(reads, [['mail:inbox']]);
  });

  it('a notified run that Graph fails keeps the change: the retry reads the folder and the message arrives', async function () {
    const runsBefore = runs.length;
    // Every Graph request of this mailbox fails until the faults are cleared (503, no wait asked).
    await env.control('PUT', `/mailboxes/${alice.id}/faults`, {
      unavailableRate: 1,
      unavailableRetryAfterSeconds: 0,
    });
    let internetMessageId: string;
    try {
      internetMessageId = await mailFromNorthwind(env, 'Sent while Graph was failing');
      await waitFor(
        () => runs.slice(runsBefore).some((r) => !r.endsWith(':completed')),
        30_000,
        'the notified run to end without reading the folder',
      );
    } finally {
      await env.control('DELETE', `/mailboxes/${alice.id}/faults`);
    }
    // No further notification comes for that message, and the next poll is ten minutes away.
    await waitFor(() => filedInCrm(env, internetMessageId), 30_000, 'the message in the CRM');
  });

  it('recreates a subscription Graph removed, and renews one that needs reauthorization', async function () {
    const before = await stored();
    const inbox = before.find((r) => r.resource === 'mail:inbox')!;
    const diary = before.find((r) => r.resource === 'diary')!;

    const removed = await env.control('POST', `/subscriptions/${inbox.id}/lifecycle`, {
      event: 'subscriptionRemoved',
    });
    assert.equal(removed.status, 200);
    await waitFor(
      async () => (await stored()).some((r) => r.resource === 'mail:inbox' && r.id !== inbox.id),
      10_000,
      'a new inbox subscription',
    );
    assert.ok((await emulatorSubscriptions()).some((s) => s.resource === "me/mailFolders('inbox')/messages"));

    // Near its end and last authorized an hour ago: the challenge is worth answering.
    await env.db
      .updateTable('graph_subscriptions')
      .set({
        expires_at: new Date(now() + 3_600_000).toISOString(),
        authorized_at: new Date(now() - 3_600_000).toISOString(),
      })
      .where('id', '=', diary.id)
      .execute();
    const reauth = await env.control('POST', `/subscriptions/${diary.id}/lifecycle`, {
      event: 'reauthorizationRequired',
    });
    assert.equal(reauth.status, 200);
    await waitFor(
      async () => {
        const row = (await stored()).find((r) => r.id === diary.id);
        return row !== undefined && Date.parse(row.expires_at) > Date.now() + 86_400_000;
      },
      10_000,
      'the diary subscription renewed',
    );
  });

  it("answers Graph's unprompted reauthorizationRequired once the authorization is 40 minutes old, not at every challenge, and mail still arrives within seconds", async function () {
    // Graph sends these on its own before the subscription's token expires, every 15 minutes in the
    // last hour, until the app renews (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
    // Each answer is a Graph request, so the product answers the one that comes 40 minutes or more
    // after the subscription was last authorized, still before the token's hour is over.
    type Listed = EmulatorSubscription & {
      expirationDateTime: string;
      nextReauthorizationDateTime: string | null;
    };
    const listed = async () => (await emulatorSubscriptions()) as Listed[];
    const challenges = async () => {
      const res = await env.control('GET', '/subscriptions/deliveries');
      const value = ((await res.json()) as { value: { kind: string; delivered: boolean }[] }).value;
      return value.filter((d) => d.kind === 'lifecycle' && d.delivered).length;
    };
    const renewedSince = (before: Listed[], after: Listed[]) =>
      after.filter((s) => {
        const old = before.find((b) => b.id === s.id);
        return old !== undefined && Date.parse(s.expirationDateTime) > Date.parse(old.expirationDateTime);
      }).length;
    // Renew everything once so that every subscription's authorization starts now, with a fresh token.
    const renewedNow = new Date(now()).toISOString();
    await env.db.updateTable('graph_subscriptions').set({ authorized_at: renewedNow }).execute();
    const start = await listed();
    for (let round = 1; round <= 3; round++) {
      const before = await listed();
      const seen = await challenges();
      const advanced = await env.control('POST', '/clock/advance', { seconds: 15 * 60 });
      assert.equal(advanced.status, 200);
      offsetMs += 15 * 60_000;
      const due = before.filter(
        (s) => s.nextReauthorizationDateTime !== null && Date.parse(s.nextReauthorizationDateTime) <= now(),
      );
      await waitFor(
        async () => (await challenges()) === seen + due.length,
        10_000,
        `challenges of round ${round}`,
      );
      if (round < 3) {
        // Heard, not answered: a young authorization costs no request.
        await waitFor(
          async () =>
            (await env.db.selectFrom('graph_subscriptions').select('last_heard_at').execute()).every(
              (r) => r.last_heard_at !== null && Date.parse(r.last_heard_at) >= now() - 5_000,
            ) || due.length === 0,
          10_000,
          `challenges of round ${round} noted`,
        );
        assert.equal(renewedSince(start, await listed()), 0, `nothing renewed in round ${round}`);
      } else {
        await waitFor(
          async () => renewedSince(start, await listed()) === start.length,
          10_000,
          'every subscription renewed at the challenge 45 minutes on',
        );
      }
      assert.deepEqual((await listed()).map((s) => s.id).sort(), start.map((s) => s.id).sort());
    }

    const internetMessageId = await mailFromNorthwind(env, 'Still here after reauthorization');
    await waitFor(() => filedInCrm(env, internetMessageId), 5_000, 'the message in the CRM');
  });

  it('syncNow runs the account at once; stop() releases every lease', async function () {
    const count = runs.length;
    await worker.syncNow(accountId);
    await waitFor(() => runs.length > count, 5_000, 'a run after syncNow');
    await syncWorkerShutdownStep(worker).run();
    assert.deepEqual(worker.running(), []);
    assert.deepEqual(await env.db.selectFrom('job_leases').selectAll().execute(), []);
  });
});

describe('sync worker: an account whose notifications stop falls back to polling, and returns [sqlite]', function () {
  this.timeout(90_000);
  const HOUR = 3_600_000;
  const POLL_MS = 1_000;
  let env: SyncEnv;
  let http: HttpServer;
  let worker: SyncWorker;
  let accountId: string;
  let reachable = true;
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const alice = DEMO.alice;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    accountId = await connectAccount(env, alice);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
    // The endpoint "unreachable": whatever sits in front of the app answers for it.
    http.server.pre((req, res, next) => {
      if (reachable || !req.url?.startsWith('/api/notifications')) return next();
      res.send(502);
      return next(false);
    });
    const port = await http.listen(0, '127.0.0.1');
    const publicUrl = `http://127.0.0.1:${port}`;
    const notified = notifiedWorker(publicUrl, POLL_MS);
    worker = syncWorkerOn(env, {
      settings: notified.settings,
      subscriptions: {
        ...notified.subscriptions,
        health: { safetyIntervalMs: 2 * HOUR, silenceLimitMs: HOUR, reauthorizeAfterMs: 40 * 60_000 },
      },
      claimIntervalMs: 100,
      leaseMs: 10_000,
      now,
    });
    registerNotificationRoutes(http.server, {
      db: env.db,
      logger: env.logger,
      requests: worker.requests,
      now,
    });
    worker.start();
  });

  after(async function () {
    await worker?.stop();
    if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env?.close();
  });

  const account = () =>
    env.db
      .selectFrom('sync_accounts')
      .select(['next_run_at', 'delta_due_at', 'last_synced_at'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();

  const send = (subject: string) => mailFromNorthwind(env, subject);
  const inCrm = (internetMessageId: string) => filedInCrm(env, internetMessageId);

  const deliveries = async () => {
    const res = await env.control('GET', '/subscriptions/deliveries');
    return ((await res.json()) as { value: { kind: string; delivered: boolean; status: number }[] }).value;
  };

  it('with notifications live, reads the mailbox only at the long safety interval', async function () {
    await waitFor(
      async () => (await env.db.selectFrom('graph_subscriptions').select('id').execute()).length === 3,
      30_000,
      'three subscriptions',
    );
    await waitFor(async () => (await account()).delta_due_at !== null, 10_000, 'the first read scheduled');
    const { delta_due_at, next_run_at } = await account();
    assert.ok(Date.parse(delta_due_at!) - now() > HOUR, 'the next read is about two hours away, not a poll');
    assert.ok(Date.parse(next_run_at!) - now() > 30 * 60_000, 'nothing else due soon');
  });

  it('when the endpoint stops answering, a message still reaches the CRM: once Graph has been silent an hour the account polls', async function () {
    reachable = false;
    const lost = await send('Sent while the endpoint is down');
    await waitFor(
      async () => (await deliveries()).some((d) => d.kind === 'change' && !d.delivered && d.status === 502),
      15_000,
      'a change notification Graph could not deliver',
    );
    assert.equal(await inCrm(lost), false, 'no notification, no read yet');

    // An hour without word from Graph.
    offsetMs += HOUR + 60_000;
    await waitFor(() => inCrm(lost), 15_000, 'the message read by the fallback poll');
    // The run that read it then renews the silent subscriptions and writes its schedule.
    await waitFor(
      async () => {
        const { delta_due_at, next_run_at } = await account();
        return Date.parse(delta_due_at!) - now() <= POLL_MS && Date.parse(next_run_at!) - now() <= POLL_MS;
      },
      15_000,
      'the next read a poll interval away',
    );

    const polled = await send('Also sent while the endpoint is down');
    await waitFor(() => inCrm(polled), 15_000, 'the second message, polled');
  });

  it('once Graph reaches the endpoint again, the account returns to the long interval', async function () {
    reachable = true;
    // The fallback renewed the silent subscriptions (a fresh authorization), so Graph challenges
    // them again within its last hour; the first delivered challenge is the sign of life.
    await waitFor(
      async () =>
        (await env.db.selectFrom('graph_subscriptions').select('authorized_at').execute()).every(
          (r) => r.authorized_at !== null && Date.parse(r.authorized_at) > now() - 10 * 60_000,
        ),
      15_000,
      'the silent subscriptions reauthorized by the fallback',
    );
    const advanced = await env.control('POST', '/clock/advance', { seconds: 15 * 60 });
    assert.equal(advanced.status, 200);
    offsetMs += 15 * 60_000;
    await waitFor(
      async () => (await deliveries()).some((d) => d.kind === 'lifecycle' && d.delivered),
      15_000,
      'a challenge delivered',
    );
    await waitFor(
      async () => Date.parse((await account()).delta_due_at!) - now() > HOUR,
      15_000,
      'the next read two hours away again',
    );
    const fresh = await send('After the endpoint came back');
    await waitFor(() => inCrm(fresh), 15_000, 'the message brought in by its notification');
    assert.ok(
      (await deliveries()).some((d) => d.kind === 'change' && d.delivered),
      'a change notification was delivered',
    );
  });
});

describe('sync worker whose lease lapses mid-run [sqlite]', function () {
  this.timeout(60_000);
  let env: SyncEnv;
  let worker: SyncWorker | undefined;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
  });
  after(async function () {
    if (worker) await syncWorkerShutdownStep(worker).run();
    await env?.close();
  });

  it('takes the lapsed lease back for the run in hand and starts no second run of the account', async function () {
    const accountId = await connectAccount(env, DEMO.alice);
    // Graph requests wait until the test lets them go: the run stalls, as a busy process would (every
    // request, since the account's resources page side by side).
    let stalled: () => void = () => undefined;
    let isReleased = false;
    const released = new Promise<void>((resolve) => (stalled = resolve)).then(() => {
      isReleased = true;
    });
    let first: Promise<void> | undefined;
    // Delta requests that start a round (no state token): one per resource unless a second run starts.
    const roundStarts: string[] = [];
    const fetch: typeof env.fetch = async (url, init) => {
      const href = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
      const path = new URL(href).pathname;
      if (path.endsWith('/delta') && !/token=/i.test(href)) roundStarts.push(path);
      if (!isReleased) {
        first = released;
        await released;
      }
      return env.fetch(url, init);
    };
    const runs: string[] = [];
    worker = syncWorkerOn(env, {
      fetch,
      settings: testSettings(),
      subscriptions: null,
      claimIntervalMs: 50,
      leaseMs: 10_000,
      onRun: (id, result) => runs.push(`${id}:${result.outcome}`),
    });
    worker.start();
    await waitFor(() => first !== undefined, 10_000, 'the run to stall on its first request');

    // The lease lapses while the run is stalled; the account is still due, so the worker claims it again.
    const lapsed = new Date(Date.now() - 1000).toISOString();
    await env.db.updateTable('job_leases').set({ lease_until: lapsed }).execute();
    await waitFor(
      async () => {
        const lease = await env.db.selectFrom('job_leases').select('lease_until').executeTakeFirst();
        return lease !== undefined && lease.lease_until > new Date().toISOString();
      },
      10_000,
      'the worker to claim the lapsed lease',
    );
    stalled();
    await waitFor(() => runs.length > 0, 20_000, 'the run to finish');
    await syncWorkerShutdownStep(worker).run();
    worker = undefined;
    assert.deepEqual(runs, [`${accountId}:completed`]);
    assert.equal(
      roundStarts.length,
      new Set(roundStarts).size,
      `rounds started twice: ${roundStarts.join(', ')}`,
    );
  });
});

describe('sync worker: a notification that arrives during the account run [sqlite]', function () {
  this.timeout(60_000);
  let env: SyncEnv;
  let http: HttpServer;
  let worker: SyncWorker | undefined;
  const alice = DEMO.alice;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
  });
  after(async function () {
    await worker?.stop();
    if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env?.close();
  });

  it('brings the second message in by a rerun as soon as the run ends, not at the next claim tick', async function () {
    await connectAccount(env, alice);
    const port = await http.listen(0, '127.0.0.1');
    // A delta answer is held back (after Graph answered it) while the test posts a second message.
    let hold = false;
    let held: (() => void) | undefined;
    const fetch: typeof env.fetch = async (url, init) => {
      const href = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
      const res = await env.fetch(url, init);
      if (hold && new URL(href).pathname.endsWith('/delta')) {
        hold = false;
        await new Promise<void>((resolve) => (held = resolve));
      }
      return res;
    };
    const runs: string[][] = [];
    // Polling and the claim tick are ten minutes away: only the rerun can bring the second message.
    worker = syncWorkerOn(env, {
      fetch,
      ...notifiedWorker(`http://127.0.0.1:${port}`),
      claimIntervalMs: 600_000,
      leaseMs: 10_000,
      onRun: (_id, result) => runs.push(Object.keys(result.resources).sort()),
    });
    registerNotificationRoutes(http.server, { db: env.db, logger: env.logger, requests: worker.requests });
    worker.start();
    const subscribed = async () =>
      (await env.db.selectFrom('graph_subscriptions').select('id').execute()).length === 3;
    await waitFor(subscribed, 30_000, 'the account synced and subscribed');
    await waitFor(() => worker!.running().length === 0, 10_000, 'the first run to end');

    const post = (subject: string) => mailFromNorthwind(env, subject);
    const inCrm = (internetMessageId: string) => filedInCrm(env, internetMessageId);

    hold = true;
    const first = await post('First news from Northwind');
    await waitFor(() => held !== undefined, 10_000, 'the notified run to read the inbox');
    // The second notification recorded: the account is made due again while its run is in hand.
    const nextRunAt = async () =>
      (await env.db.selectFrom('sync_accounts').select('next_run_at').executeTakeFirstOrThrow()).next_run_at;
    const dueForFirst = await nextRunAt();
    const second = await post('Second news from Northwind');
    await waitFor(
      async () => (await nextRunAt()) !== dueForFirst,
      10_000,
      'the second notification to make the account due',
    );
    held!();
    await waitFor(() => inCrm(first), 10_000, 'the first message in the CRM');
    await waitFor(() => inCrm(second), 10_000, 'the second message in the CRM');
    assert.deepEqual(runs.slice(1), [['mail:inbox'], ['mail:inbox']]);
  });
});
