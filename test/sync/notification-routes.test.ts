import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { newId, nowIso } from '../../bot/store/columns.js';
import { createLogger } from '../../bot/logging/logger.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { hashClientState } from '../../bot/sync/client-state.js';
import { createNotificationBudget, type NotificationBudget } from '../../bot/sync/notification-budget.js';
import {
  MAX_BODY_BYTES,
  newNotificationCounters,
  registerNotificationRoutes,
  type NotificationCounters,
} from '../../bot/sync/notification-routes.js';
import {
  createSyncRequester,
  type SyncRequester,
  type SyncRequesterOptions,
} from '../../bot/sync/sync-requests.js';
import { forEachDialect } from '../support/postgres.js';
import { waitFor } from './support/wait.js';
import { CONTOSO, seedAccount, seedTenant } from './support/accounts.js';

const SECRET = 'the-client-state-secret-of-this-subscription';
const FAR_FUTURE = '2099-01-01T00:00:00.000Z';

forEachDialect('notification routes', (suite) => {
  let http: HttpServer;
  let base: string;
  let counters: NotificationCounters;
  let handled: number;
  let requestedBatches: string[][];
  let accountId: string;
  let logged: string;
  let requests: SyncRequester;
  let requesterOptions: SyncRequesterOptions;
  const db = () => suite.store.db;

  before(async function () {
    await seedTenant(suite.store);
    accountId = (await seedAccount(suite.store, { tenantId: CONTOSO.id, email: 'alice.smith@contoso.com' }))
      .accountId;
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination: sink });
    http = createHttpServer({ logger, healthChecks: [] });
    counters = newNotificationCounters();
    requesterOptions = {
      db: db(),
      coalesceMs: 30,
      onRequested: (ids) => requestedBatches.push(ids),
    };
    requests = createSyncRequester(requesterOptions);
    registerNotificationRoutes(http.server, {
      db: db(),
      logger,
      requests,
      counters,
      onHandled: () => {
        handled += 1;
      },
    });
    const port = await http.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  after(async function () {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
  });

  beforeEach(async function () {
    Object.assign(counters, newNotificationCounters());
    handled = 0;
    requestedBatches = [];
    logged = '';
    await db().deleteFrom('graph_subscriptions').execute();
    await db()
      .updateTable('sync_accounts')
      .set({ next_run_at: FAR_FUTURE, state: 'active', delta_requested: 0 })
      .execute();
  });

  async function subscription(resource = 'mail:inbox', authorizedAt: string | null = null): Promise<string> {
    const id = newId();
    await db()
      .insertInto('graph_subscriptions')
      .values({
        id,
        account_id: accountId,
        resource,
        client_state_hash: hashClientState(SECRET),
        expires_at: FAR_FUTURE,
        authorized_at: authorizedAt,
        created_at: nowIso(),
        updated_at: nowIso(),
      })
      .execute();
    return id;
  }

  const subscriptionRow = (id: string) =>
    db()
      .selectFrom('graph_subscriptions')
      .select(['expires_at', 'reauthorize_requested', 'last_heard_at', 'change_pending'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  const deltaRequested = async () =>
    (
      await db()
        .selectFrom('sync_accounts')
        .select('delta_requested')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).delta_requested;

  const post = (path: string, body: unknown, raw = false) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ? (body as string) : JSON.stringify(body),
    });

  const nextRunAt = async () =>
    (
      await db()
        .selectFrom('sync_accounts')
        .select('next_run_at')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).next_run_at;

  for (const path of ['/api/notifications', '/api/notifications/lifecycle']) {
    it(`answers the validation handshake on ${path} with the token as plain text`, async function () {
      const token = 'Validation: Testing client application reachability for subscription Request-Id: 1';
      const res = await fetch(`${base}${path}?validationToken=${encodeURIComponent(token)}`, {
        method: 'POST',
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), token);
    });

    it(`URL-decodes a validation token sent form-encoded as Graph does (+ for spaces, %3a, %2b) on ${path}`, async function () {
      // Graph's tokens are sentences (microsoftgraph/microsoft-graph-docs#21160), encoded by .NET's
      // UrlEncode; the docs ask for the URL-decoded token back (change-notifications-delivery-webhooks).
      const raw =
        'Validation%3a+Testing+client+application+reachability+for+subscription+Request-Id%3a+a%2bb';
      const res = await fetch(`${base}${path}?validationToken=${raw}`, { method: 'POST' });
      assert.equal(res.status, 200);
      assert.equal(
        await res.text(),
        'Validation: Testing client application reachability for subscription Request-Id: a+b',
      );
    });
  }

  it('makes the account due at once for a genuine change notification, and never logs the clientState', async function () {
    const id = await subscription();
    const started = Date.now();
    const res = await post('/api/notifications', {
      value: [{ subscriptionId: id, clientState: SECRET, changeType: 'created', resource: 'me/messages/x' }],
    });
    assert.equal(res.status, 202);
    await waitFor(() => requestedBatches.length === 1, 5_000);
    assert.deepEqual(requestedBatches, [[accountId]]);
    const due = Date.parse((await nextRunAt()) ?? FAR_FUTURE);
    assert.ok(due >= started - 5 && due <= Date.now(), 'next_run_at is now');
    assert.equal(counters.accepted, 1);
    assert.ok(!logged.includes(SECRET));
  });

  it('ignores and counts items whose clientState does not match, changing nothing', async function () {
    const id = await subscription();
    const res = await post('/api/notifications', {
      value: [
        { subscriptionId: id, clientState: 'forged', changeType: 'created' },
        { subscriptionId: id, changeType: 'created' },
        { subscriptionId: newId(), clientState: SECRET, changeType: 'created' },
      ],
    });
    assert.equal(res.status, 202);
    await waitFor(() => handled === 1, 5_000);
    assert.equal(counters.rejected, 3);
    assert.equal(counters.accepted, 0);
    assert.equal(await nextRunAt(), FAR_FUTURE);
  });

  it('ignores notifications for an account that no longer syncs', async function () {
    const id = await subscription();
    await db().updateTable('sync_accounts').set({ state: 'paused' }).execute();
    assert.equal(
      (await post('/api/notifications', { value: [{ subscriptionId: id, clientState: SECRET }] })).status,
      202,
    );
    await waitFor(() => handled === 1, 5_000);
    assert.equal(counters.rejected, 1);
    assert.equal(await nextRunAt(), FAR_FUTURE);
  });

  for (const [label, body] of [
    ['not JSON', '{"value": ['],
    ['no value array', JSON.stringify({ items: [] })],
    ['an empty collection', JSON.stringify({ value: [] })],
    ['an item without subscriptionId', JSON.stringify({ value: [{ clientState: SECRET }] })],
    ['a non-object item', JSON.stringify({ value: ['x'] })],
  ] as const) {
    it(`refuses ${label} with 400 and changes nothing`, async function () {
      const id = await subscription();
      const res = await post('/api/notifications/lifecycle', body, true);
      assert.equal(res.status, 400);
      assert.equal(counters.badRequests, 1);
      assert.equal(await nextRunAt(), FAR_FUTURE);
      const row = await db()
        .selectFrom('graph_subscriptions')
        .select('expires_at')
        .where('id', '=', id)
        .executeTakeFirst();
      assert.equal(row?.expires_at, FAR_FUTURE);
    });
  }

  it('reauthorizationRequired on an old authorization asks for its renewal only: the account is woken, its mailbox not read', async function () {
    // Graph asks before the authorization ends (learn.microsoft.com/graph/change-notifications-lifecycle-events).
    const id = await subscription('mail:inbox', new Date(Date.now() - 3_600_000).toISOString());
    const res = await post('/api/notifications/lifecycle', {
      value: [{ subscriptionId: id, clientState: SECRET, lifecycleEvent: 'reauthorizationRequired' }],
    });
    assert.equal(res.status, 202);
    await waitFor(() => requestedBatches.length === 1, 5_000);
    const row = await subscriptionRow(id);
    assert.equal(row.reauthorize_requested, 1);
    assert.equal(row.expires_at, FAR_FUTURE, 'the subscription itself is unchanged until renewed');
    assert.ok(row.last_heard_at !== null, 'Graph was heard from');
    assert.ok(Date.parse((await nextRunAt()) ?? FAR_FUTURE) <= Date.now());
    assert.equal(await deltaRequested(), 0);
    assert.equal(counters.lifecycle, 1);
  });

  it('reauthorizationRequired on a young authorization is only noted as contact: no renewal, nothing scheduled', async function () {
    const id = await subscription('mail:inbox', nowIso());
    await post('/api/notifications/lifecycle', {
      value: [{ subscriptionId: id, clientState: SECRET, lifecycleEvent: 'reauthorizationRequired' }],
    });
    await waitFor(() => handled === 1, 5_000);
    await requests.flush();
    const row = await subscriptionRow(id);
    assert.equal(row.reauthorize_requested, 0);
    assert.ok(row.last_heard_at !== null);
    assert.equal(await nextRunAt(), FAR_FUTURE);
    assert.deepEqual(requestedBatches, []);
  });

  it('a change notification marks its own resource for a read, wakes the account and records the contact', async function () {
    const inbox = await subscription('mail:inbox');
    const diary = await subscription('diary');
    await post('/api/notifications', { value: [{ subscriptionId: inbox, clientState: SECRET }] });
    await waitFor(() => requestedBatches.length === 1, 5_000);
    const row = await subscriptionRow(inbox);
    assert.equal(row.change_pending, 1);
    assert.ok(row.last_heard_at !== null);
    assert.equal((await subscriptionRow(diary)).change_pending, 0, 'the calendar is not read for a message');
    assert.equal(await deltaRequested(), 0, 'not the whole mailbox');
    assert.ok(Date.parse((await nextRunAt()) ?? FAR_FUTURE) <= Date.now());
  });

  it('subscriptionRemoved forgets the subscription so the next run recreates it; missed asks for a read', async function () {
    const removed = await subscription('mail:inbox');
    const missed = await subscription('diary');
    const res = await post('/api/notifications/lifecycle', {
      value: [
        { subscriptionId: removed, clientState: SECRET, lifecycleEvent: 'subscriptionRemoved' },
        { subscriptionId: missed, clientState: SECRET, lifecycleEvent: 'missed' },
      ],
    });
    assert.equal(res.status, 202);
    await waitFor(() => requestedBatches.length === 1, 5_000);
    const left = await db().selectFrom('graph_subscriptions').select(['id', 'expires_at']).execute();
    assert.deepEqual(left, [{ id: missed, expires_at: FAR_FUTURE }]);
    assert.deepEqual(requestedBatches, [[accountId]], 'two events for one account coalesce into one request');
    assert.equal(await deltaRequested(), 1);
  });

  it('a forged lifecycle event removes nothing', async function () {
    const id = await subscription();
    await post('/api/notifications/lifecycle', {
      value: [{ subscriptionId: id, clientState: 'nope', lifecycleEvent: 'subscriptionRemoved' }],
    });
    await waitFor(() => handled === 1, 5_000);
    assert.equal((await db().selectFrom('graph_subscriptions').select('id').execute()).length, 1);
    assert.equal(counters.rejected, 1);
  });

  it('coalesces a burst of notifications into one database request', async function () {
    // The window is held open until every notification of the burst was handled, so the count of
    // writes does not depend on how fast this machine answers 20 requests.
    requesterOptions.coalesceMs = 600_000;
    try {
      const id = await subscription();
      const burst = await Promise.all(
        Array.from({ length: 20 }, () =>
          post('/api/notifications', { value: [{ subscriptionId: id, clientState: SECRET }] }),
        ),
      );
      assert.ok(burst.every((r) => r.status === 202));
      await waitFor(() => handled === 20, 5_000);
      assert.equal(requestedBatches.length, 0, 'nothing is written while the window is open');
      await requests.flush();
      assert.deepEqual(requestedBatches, [[accountId]]);
      assert.equal(counters.accepted, 20);
      assert.ok(Date.parse((await nextRunAt()) ?? FAR_FUTURE) <= Date.now());
    } finally {
      requesterOptions.coalesceMs = 30;
    }
  });
  it('drops a body of unknown subscriptions in one step: counted, nothing logged per item, nothing scheduled', async function () {
    const ids = Array.from({ length: 1000 }, () => newId());
    const res = await post('/api/notifications', {
      value: ids.map((subscriptionId) => ({ subscriptionId, clientState: SECRET })),
    });
    assert.equal(res.status, 202);
    await waitFor(() => handled === 1, 5_000);
    assert.equal(counters.rejected, 1000);
    assert.equal(await nextRunAt(), FAR_FUTURE);
    assert.ok(!ids.some((id) => logged.includes(id)), 'no unknown id reaches the log');
  });

  it('refuses a body larger than a Graph delivery with 413 by its Content-Length, changing nothing', async function () {
    const id = await subscription();
    const padding = 'x'.repeat(MAX_BODY_BYTES);
    const res = await post('/api/notifications', {
      value: [{ subscriptionId: id, clientState: SECRET, resource: padding }],
    });
    assert.equal(res.status, 413);
    assert.equal(counters.overBudget, 1);
    assert.equal(counters.accepted, 0);
    assert.equal(await nextRunAt(), FAR_FUTURE);
  });

  it('refuses a chunked body with 413 as soon as it passes the limit, changing nothing', async function () {
    const id = await subscription();
    const json = JSON.stringify({
      value: [{ subscriptionId: id, clientState: SECRET, resource: 'x'.repeat(MAX_BODY_BYTES) }],
    });
    const chunks = json.match(/[\s\S]{1,16384}/g) ?? [];
    const res = await fetch(`${base}/api/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(counters.overBudget, 1);
    assert.equal(counters.accepted, 0);
    assert.equal(await nextRunAt(), FAR_FUTURE);
  });

  describe('over budget', function () {
    let limited: HttpServer;
    let limitedBase: string;
    let budget: NotificationBudget;
    let clock: number;
    let inFlightWhenHandled: number[];

    async function start(
      limits: { maxInFlight: number; burst: number; perSecond: number },
      maxQueuedItems?: number,
    ) {
      clock = 1_000_000;
      inFlightWhenHandled = [];
      budget = createNotificationBudget(limits, () => clock);
      const logger = createLogger({ level: 'silent' });
      limited = createHttpServer({ logger, healthChecks: [] });
      registerNotificationRoutes(limited.server, {
        db: db(),
        logger,
        requests,
        counters,
        budget,
        ...(maxQueuedItems !== undefined ? { maxQueuedItems } : {}),
        onHandled: () => {
          handled += 1;
          inFlightWhenHandled.push(budget.inFlight());
        },
      });
      limitedBase = `http://127.0.0.1:${await limited.listen(0, '127.0.0.1')}`;
    }

    afterEach(async function () {
      await new Promise<void>((resolve) => limited.server.close(() => resolve()));
    });

    const postLimited = (body: unknown, path = '/api/notifications') =>
      fetch(`${limitedBase}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    /** A change notification whose body is only half sent, so its request holds a slot. */
    async function holdSlot(id: string): Promise<{ finish: () => Promise<IncomingMessage> }> {
      const body = JSON.stringify({ value: [{ subscriptionId: id, clientState: SECRET }] });
      const first = httpRequest(`${limitedBase}/api/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        first.on('response', resolve);
        first.on('error', reject);
      });
      first.write(body.slice(0, 10));
      await waitFor(() => budget.inFlight() === 1, 5_000, 'the first request to be admitted');
      return {
        finish: () => {
          first.end(body.slice(10));
          return response;
        },
      };
    }

    it("frees a request's slot once its body is queued: Graph is answered before the items are handled", async function () {
      await start({ maxInFlight: 1, burst: 100, perSecond: 100 });
      const id = await subscription();
      assert.equal((await postLimited({ value: [{ subscriptionId: id, clientState: SECRET }] })).status, 202);
      await waitFor(() => handled === 1, 5_000);
      assert.deepEqual(inFlightWhenHandled, [0], 'no slot was held while the items were handled');
      await requests.flush();
      assert.ok(Date.parse((await nextRunAt()) ?? FAR_FUTURE) <= Date.now());
    });

    it('refuses a body that does not fit the queue with 503 and Retry-After, changing nothing', async function () {
      await start({ maxInFlight: 10, burst: 100, perSecond: 100 }, 2);
      const id = await subscription();
      const item = { subscriptionId: id, clientState: SECRET };
      const refused = await postLimited({ value: [item, item, item] });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(counters.overBudget, 1);
      assert.equal(counters.accepted, 0);
      assert.equal(await nextRunAt(), FAR_FUTURE);
      assert.equal((await postLimited({ value: [item, item] })).status, 202);
      await waitFor(() => handled === 1, 5_000);
      assert.equal(counters.accepted, 2);
    });

    it('takes a lifecycle notification while change notifications hold all of their slots', async function () {
      await start({ maxInFlight: 1, burst: 100, perSecond: 100 });
      const id = await subscription();
      const held = await holdSlot(id);
      try {
        const change = await postLimited({ value: [{ subscriptionId: id, clientState: SECRET }] });
        assert.equal(change.status, 503);
        const missed = await postLimited(
          { value: [{ subscriptionId: id, clientState: SECRET, lifecycleEvent: 'missed' }] },
          '/api/notifications/lifecycle',
        );
        assert.equal(missed.status, 202);
        await waitFor(() => handled === 1, 5_000);
        await requests.flush();
        assert.equal(await deltaRequested(), 1, 'the missed event asked for a read of the mailbox');
      } finally {
        assert.equal((await held.finish()).statusCode, 202);
      }
      await waitFor(() => handled === 2, 5_000);
    });

    it('answers 503 with Retry-After while the concurrent requests are all taken, and takes the retry', async function () {
      await start({ maxInFlight: 1, burst: 100, perSecond: 1 });
      const id = await subscription();
      const first = await holdSlot(id);

      const refused = await postLimited({ value: [{ subscriptionId: id, clientState: SECRET }] });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(counters.overBudget, 1);

      assert.equal((await first.finish()).statusCode, 202);
      await waitFor(() => handled === 1 && budget.inFlight() === 0, 5_000, 'the first to be handled');
      assert.equal((await postLimited({ value: [{ subscriptionId: id, clientState: SECRET }] })).status, 202);
      await waitFor(() => handled === 2, 5_000);
      assert.equal(counters.accepted, 2);
    });

    it('answers 429 with Retry-After once the rate is spent, changing nothing, and takes the retry after that time', async function () {
      await start({ maxInFlight: 100, burst: 2, perSecond: 1 });
      const id = await subscription();
      const one = { value: [{ subscriptionId: id, clientState: SECRET }] };
      assert.equal((await postLimited(one)).status, 202);
      assert.equal((await postLimited(one)).status, 202);
      await waitFor(() => handled === 2, 5_000);
      const refused = await postLimited(one);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(counters.overBudget, 1);
      assert.equal(counters.accepted, 2, 'the refused body was not handled');

      clock += 1_000;
      assert.equal((await postLimited(one)).status, 202);
      await waitFor(() => handled === 3, 5_000);
      assert.equal(counters.accepted, 3);
    });
  });
});
