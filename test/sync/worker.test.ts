import assert from 'node:assert/strict';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import { createSyncWorker, syncWorkerShutdownStep, type SyncWorker } from '../../bot/sync/worker.js';
import { DEMO } from '../support/emulator-msal.js';
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

interface EmulatorSubscription {
  id: string;
  resource: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
}

describe('sync worker with change notifications [sqlite]', function () {
  this.timeout(90_000);
  let env: SyncEnv;
  let http: HttpServer;
  let worker: SyncWorker;
  let accountId: string;
  let publicUrl: string;
  const runs: string[] = [];
  const alice = DEMO.alice;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    accountId = await connectAccount(env, alice);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
    const port = await http.listen(0, '127.0.0.1');
    publicUrl = `http://127.0.0.1:${port}`;
    worker = createSyncWorker({
      db: env.db,
      dialect: env.dialect,
      logger: env.logger,
      graphBaseUrl: env.emu.origin,
      fetch: env.fetch,
      tokens: env.tokens,
      settings: testSettings({
        schedule: {
          pollIntervalMs: 600_000,
          pollJitter: 0,
          notificationDelayMs: 100,
          failureBaseDelayMs: 500,
        },
      }),
      subscriptions: {
        notificationUrl: `${publicUrl}/api/notifications`,
        lifecycleNotificationUrl: `${publicUrl}/api/notifications/lifecycle`,
        lifetimeMs: 2 * 86_400_000,
        renewBeforeMs: 86_400_000,
      },
      claimIntervalMs: 200,
      leaseMs: 10_000,
      onRun: (id, result) => runs.push(`${id}:${result.outcome}`),
    });
    registerNotificationRoutes(http.server, { db: env.db, logger: env.logger, requests: worker.requests });
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

  it('brings a new message into the CRM within seconds of its change notification', async function () {
    const sent = Date.now();
    const res = await env.control('POST', `/mailboxes/${alice.id}/messages`, {
      folder: 'inbox',
      subject: 'Fresh news from Northwind',
      from: 'tom.becker@northwind.example',
      to: [alice.username],
    });
    const { internetMessageId } = (await res.json()) as { internetMessageId: string };
    const arrived = async () =>
      (await env.db
        .selectFrom('mail_items')
        .select('id')
        .where('internet_message_id', '=', internetMessageId)
        .executeTakeFirst()) !== undefined;
    await waitFor(arrived, 5_000, 'the message in the CRM');
    const latency = Date.now() - sent;
    assert.ok(latency < 5_000, `arrived after ${latency} ms`);
    const deliveries = await env.control('GET', '/subscriptions/deliveries');
    const value = ((await deliveries.json()) as { value: { kind: string; delivered: boolean }[] }).value;
    assert.ok(
      value.some((d) => d.kind === 'change' && d.delivered),
      'a change notification was delivered and accepted',
    );
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

    await env.db
      .updateTable('graph_subscriptions')
      .set({ expires_at: new Date(Date.now() + 3_600_000).toISOString() })
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

  it("keeps its subscriptions through Graph's unprompted, repeated reauthorizationRequired, and mail still arrives within seconds", async function () {
    // Graph sends these on its own before the subscription's token expires, every 15 minutes in the
    // last hour, until the app renews (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
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
    for (let round = 1; round <= 2; round++) {
      const before = await listed();
      const seen = await challenges();
      const advanced = await env.control('POST', '/clock/advance', { seconds: 15 * 60 });
      assert.equal(advanced.status, 200);
      await waitFor(
        async () => (await challenges()) === seen + before.length,
        10_000,
        `challenges of round ${round}`,
      );
      // Each one renewed by the product (PATCH): a later expiry and the countdown started again.
      await waitFor(
        async () =>
          (await listed()).every((s) => {
            const old = before.find((b) => b.id === s.id)!;
            return Date.parse(s.expirationDateTime) > Date.parse(old.expirationDateTime);
          }),
        10_000,
        `every subscription renewed in round ${round}`,
      );
      assert.deepEqual((await listed()).map((s) => s.id).sort(), before.map((s) => s.id).sort());
    }

    const res = await env.control('POST', `/mailboxes/${alice.id}/messages`, {
      folder: 'inbox',
      subject: 'Still here after reauthorization',
      from: 'tom.becker@northwind.example',
      to: [alice.username],
    });
    const { internetMessageId } = (await res.json()) as { internetMessageId: string };
    await waitFor(
      async () =>
        (await env.db
          .selectFrom('mail_items')
          .select('id')
          .where('internet_message_id', '=', internetMessageId)
          .executeTakeFirst()) !== undefined,
      5_000,
      'the message in the CRM',
    );
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
