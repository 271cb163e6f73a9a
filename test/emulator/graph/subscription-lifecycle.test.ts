import type { Client } from '@microsoft/microsoft-graph-client';
import type { Subscription } from '@microsoft/microsoft-graph-types';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ALICE,
  control,
  graphClient,
  graphToken,
  startGraphEmulator,
  type GraphEmulator,
} from './graph-test-support.js';

/**
 * Subscription fidelity, from Microsoft Graph's "Receive change notifications through webhooks"
 * (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks: the validation token is
 * URL-encoded and must be echoed decoded, as text/plain, within 10 seconds) and "Reduce missing
 * subscriptions and change notifications" (https://learn.microsoft.com/graph/change-notifications-lifecycle-events:
 * reauthorizationRequired arrives unprompted and repeatedly before the token or subscription expires;
 * POST /subscriptions/{id}/reauthorize or a renewal answers it). Real tokens read "Validation: Testing
 * client application reachability for subscription Request-Id: <guid>"
 * (microsoftgraph/microsoft-graph-docs#21160).
 */
interface Received {
  path: string;
  rawQuery: string;
  body?: { value: { subscriptionId: string; clientState?: string; lifecycleEvent?: string }[] };
}

class Endpoint {
  readonly received: Received[] = [];
  /** How the endpoint answers the handshake: echo the decoded token, the raw one, or never answer. */
  validation: 'decoded' | 'raw' | 'hang' = 'decoded';
  /** What change notifications (not lifecycle ones) are answered with. */
  changeStatus = 202;
  private readonly server = http.createServer((req, res) => {
    const [path = '/', rawQuery = ''] = (req.url ?? '/').split('?');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = new URLSearchParams(rawQuery).get('validationToken');
      if (token !== null) {
        this.received.push({ path, rawQuery });
        if (this.validation === 'hang') return;
        const raw = /validationToken=([^&]*)/.exec(rawQuery)![1]!;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(this.validation === 'decoded' ? token : raw);
        return;
      }
      this.received.push({ path, rawQuery, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(path.endsWith('/lifecycle') ? 202 : this.changeStatus);
      res.end();
    });
  });
  base = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  lifecycle(event: string): Received[] {
    return this.received.filter((r) => r.body?.value.some((v) => v.lifecycleEvent === event));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('Graph subscriptions: validation handshake and lifecycle notifications as Graph sends them', function () {
  this.timeout(30_000);
  let emu: GraphEmulator;
  let endpoint: Endpoint;
  let client: Client;

  beforeEach(async () => {
    emu = await startGraphEmulator();
    endpoint = new Endpoint();
    await endpoint.start();
    client = graphClient(emu, await graphToken(emu, ALICE), 0);
  });
  afterEach(async () => {
    await endpoint.close();
    await emu.close();
  });

  const subscribe = (lifecycle = true): Promise<Subscription> =>
    client.api('/subscriptions').post({
      changeType: 'created',
      notificationUrl: `${endpoint.base}/api/notifications`,
      ...(lifecycle ? { lifecycleNotificationUrl: `${endpoint.base}/api/notifications/lifecycle` } : {}),
      resource: "me/mailFolders('inbox')/messages",
      expirationDateTime: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      clientState: 'secret-state',
    });

  const advanceMinutes = (minutes: number) =>
    control(emu, 'POST', '/_emulator/clock/advance', { seconds: minutes * 60 });

  /** Runs `action` and asserts the next challenge is due 15 minutes after it (emulator time). */
  async function dueFifteenMinutesAfter(id: string, action: () => Promise<unknown>): Promise<void> {
    const before = emu.ctx.directory.clock.now();
    await action();
    const after = emu.ctx.directory.clock.now();
    const due = Date.parse((await nextReauthorization(id))!);
    assert.ok(due >= before + 15 * 60_000 && due <= after + 15 * 60_000, new Date(due).toISOString());
  }

  async function nextReauthorization(id: string): Promise<string | null> {
    const { body } = await control<{ value: { id: string; nextReauthorizationDateTime: string | null }[] }>(
      emu,
      'GET',
      '/_emulator/subscriptions',
    );
    return body.value.find((s) => s.id === id)!.nextReauthorizationDateTime;
  }

  it('sends a validation token with spaces and colons, form-encoded (+, %3a), and accepts it only URL-decoded', async () => {
    const created = await subscribe(false);
    assert.ok(created.id);
    const [handshake] = endpoint.received;
    assert.match(
      handshake!.rawQuery,
      /^validationToken=Validation%3a\+Testing\+client\+application\+reachability\+for\+subscription\+Request-Id%3a\+[0-9a-f-]{36}$/,
    );

    endpoint.validation = 'raw';
    await assert.rejects(subscribe(false), (err: { statusCode?: number; code?: string }) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'ValidationError');
      return true;
    });
  });

  it('gives up on an endpoint that does not answer the handshake within 10 seconds, and creates nothing', async () => {
    endpoint.validation = 'hang';
    await assert.rejects(subscribe(false), (err: { statusCode?: number; code?: string }) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'ValidationError');
      return true;
    });
    const { body } = await control<{ value: unknown[] }>(emu, 'GET', '/_emulator/subscriptions');
    assert.deepEqual(body.value, []);
  });

  it('sends reauthorizationRequired unprompted and repeatedly while the token lasts, to the lifecycle URL only', async () => {
    const created = await subscribe();
    const withoutLifecycleUrl = await subscribe(false);
    assert.equal(endpoint.lifecycle('reauthorizationRequired').length, 0);

    await advanceMinutes(15);
    await until(
      'the first reauthorizationRequired',
      () => endpoint.lifecycle('reauthorizationRequired').length === 1,
    );
    await advanceMinutes(15);
    await until(
      'the second reauthorizationRequired',
      () => endpoint.lifecycle('reauthorizationRequired').length === 2,
    );

    for (const r of endpoint.lifecycle('reauthorizationRequired')) {
      assert.equal(r.path, '/api/notifications/lifecycle');
      assert.deepEqual(
        r.body!.value.map((v) => [v.subscriptionId, v.clientState]),
        [[created.id, 'secret-state']],
      );
    }
    assert.equal(await nextReauthorization(withoutLifecycleUrl.id!), null);

    // The hour-long token expires at +60: the last challenge is due at +45, none after it.
    assert.notEqual(await nextReauthorization(created.id!), null);
    await advanceMinutes(15);
    await until(
      'the third reauthorizationRequired',
      () => endpoint.lifecycle('reauthorizationRequired').length === 3,
    );
    assert.equal(await nextReauthorization(created.id!), null);
  });

  it('sends missed to the lifecycle URL once a change notification could not be delivered, and nothing without one', async () => {
    // "missed lifecycle events alert you that some change notifications weren't delivered"
    // (https://learn.microsoft.com/graph/change-notifications-lifecycle-events); Graph retries a
    // delivery that gets no 2xx before giving up (change-notifications-delivery-webhooks, Throttling).
    const created = await subscribe();
    const silent = await subscribe(false);
    endpoint.changeStatus = 503;
    const res = await control(emu, 'POST', `/_emulator/mailboxes/${ALICE}/messages`, {
      folder: 'inbox',
      subject: 'Not delivered',
      from: 'tom.becker@northwind.example',
    });
    assert.equal(res.status, 201);
    await until('a missed lifecycle notification', () => endpoint.lifecycle('missed').length === 1);
    const [missed] = endpoint.lifecycle('missed');
    assert.equal(missed!.path, '/api/notifications/lifecycle');
    assert.deepEqual(
      missed!.body!.value.map((v) => [v.subscriptionId, v.clientState]),
      [[created.id, 'secret-state']],
    );
    const attempts = (id: string) =>
      endpoint.received.filter(
        (r) => r.path === '/api/notifications' && r.body?.value.some((v) => v.subscriptionId === id),
      ).length;
    assert.ok(attempts(created.id!) > 1, 'retried before giving up');
    const givenUp = async () => {
      const { body } = await control<{
        value: { subscriptionId: string; kind: string; delivered: boolean }[];
      }>(emu, 'GET', '/_emulator/subscriptions/deliveries');
      return body.value.some((d) => d.subscriptionId === silent.id && d.kind === 'change' && !d.delivered);
    };
    const deadline = Date.now() + 10_000;
    while (!(await givenUp())) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the other delivery to be given up');
      await delay(50);
    }
    assert.equal(endpoint.lifecycle('missed').length, 1, 'no lifecycle URL, no missed');
  });

  it('starts the countdown again when the app reauthorizes (POST /reauthorize) or renews (PATCH)', async () => {
    const created = await subscribe();
    await advanceMinutes(40);
    await until(
      'a reauthorizationRequired',
      () => endpoint.lifecycle('reauthorizationRequired').length === 1,
    );

    const fresh = graphClient(emu, await graphToken(emu, ALICE), 0);
    await dueFifteenMinutesAfter(created.id!, () =>
      fresh.api(`/subscriptions/${created.id}/reauthorize`).post({}),
    );

    await advanceMinutes(5);
    const later = graphClient(emu, await graphToken(emu, ALICE), 0);
    await dueFifteenMinutesAfter(created.id!, async () => {
      const renewed = (await later
        .api(`/subscriptions/${created.id}`)
        .patch({ expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString() })) as Subscription;
      assert.equal(renewed.id, created.id);
    });

    const other = graphClient(emu, await graphToken(emu, 'b2000000-0000-4000-8000-000000000001'), 0);
    await assert.rejects(
      other.api(`/subscriptions/${created.id}/reauthorize`).post({}),
      (err: { statusCode?: number }) => {
        assert.equal(err.statusCode, 404);
        return true;
      },
    );
  });
});
