import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { ChangeNotification, Subscription } from '@microsoft/microsoft-graph-types';
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

/** A local notification endpoint: echoes validation tokens (unless told not to) and records posts. */
class NotificationListener {
  readonly validations: string[] = [];
  readonly notifications: { value: (ChangeNotification & { lifecycleEvent?: string })[] }[] = [];
  echoValidation = true;
  private readonly server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        this.validations.push(token);
        res.writeHead(this.echoValidation ? 200 : 500, { 'content-type': 'text/plain' });
        res.end(this.echoValidation ? token : 'no');
        return;
      }
      this.notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(202);
      res.end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/notifications`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('Graph subscriptions (real Graph client, local notification endpoint)', () => {
  let emu: GraphEmulator;
  let listener: NotificationListener;
  let url: string;
  let client: Client;

  before(async () => {
    emu = await startGraphEmulator();
    listener = new NotificationListener();
    url = await listener.start();
  });
  after(async () => {
    await listener.close();
    await emu.close();
  });
  beforeEach(async () => {
    await control(emu, 'POST', '/_emulator/reset');
    client = graphClient(emu, await graphToken(emu, ALICE));
    listener.echoValidation = true;
    listener.notifications.length = 0;
  });

  const inFuture = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  it('validates the endpoint, then posts change notifications with the clientState', async () => {
    const validationsBefore = listener.validations.length;
    const sub = (await client.api('/subscriptions').post({
      changeType: 'created,updated',
      notificationUrl: url,
      resource: "me/mailFolders('inbox')/messages",
      expirationDateTime: inFuture(60),
      clientState: 'secret-from-the-bot',
    })) as Subscription;
    assert.ok(sub.id);
    assert.equal(listener.validations.length, validationsBefore + 1, 'the handshake happened before 201');

    const added = await control<{ id: string }>(emu, 'POST', `/_emulator/mailboxes/${ALICE}/messages`, {
      subject: 'Interview slot',
      from: 'priya.patel@example.com',
      to: ['alice.smith@contoso.com'],
    });
    const note = await until('a change notification', () => listener.notifications[0]?.value[0]);
    assert.equal(note.subscriptionId, sub.id);
    assert.equal(note.clientState, 'secret-from-the-bot');
    assert.equal(note.changeType, 'created');
    assert.equal(note.tenantId, '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51');
    assert.equal((note.resourceData as { id?: string }).id, added.body.id);
    assert.equal(note.resource, `Users/${ALICE}/Messages/${added.body.id}`);

    // A change in another folder is not this subscription's business.
    await control(emu, 'POST', `/_emulator/mailboxes/${ALICE}/messages`, {
      folder: 'sentitems',
      subject: 'Elsewhere',
      from: 'alice.smith@contoso.com',
      to: ['tom.becker@northwind.example'],
    });
    await control(emu, 'PATCH', `/_emulator/mailboxes/${ALICE}/messages/${added.body.id}`, { isRead: false });
    const second = await until('the update notification', () => listener.notifications[1]?.value[0]);
    assert.equal(second.changeType, 'updated');
    assert.equal(listener.notifications.length, 2);
  });

  it('refuses a subscription whose endpoint does not echo the validation token', async () => {
    listener.echoValidation = false;
    await assert.rejects(
      client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: url,
        resource: 'me/messages',
        expirationDateTime: inFuture(60),
      }),
      (err: GraphError) => err.statusCode === 400 && err.code === 'ValidationError',
    );
    assert.deepEqual(
      await client
        .api('/subscriptions')
        .get()
        .then((r) => r.value),
      [],
    );
  });

  it('renews within the maximum, refuses beyond it, sends lifecycle events and deletes', async () => {
    const sub = (await client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: url,
      lifecycleNotificationUrl: url,
      resource: 'me/events',
      expirationDateTime: inFuture(30),
      clientState: 'cs',
    })) as Subscription;
    const renewed = await client
      .api(`/subscriptions/${sub.id}`)
      .patch({ expirationDateTime: inFuture(10_000) });
    assert.ok(Date.parse(renewed.expirationDateTime) > Date.parse(sub.expirationDateTime!));
    await assert.rejects(
      client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inFuture(10_081) }),
      (err: GraphError) => err.statusCode === 400,
    );

    const lifecycle = await control<{ delivered: boolean }>(
      emu,
      'POST',
      `/_emulator/subscriptions/${sub.id}/lifecycle`,
      {
        event: 'reauthorizationRequired',
      },
    );
    assert.equal(lifecycle.body.delivered, true);
    const event = await until('the lifecycle notification', () =>
      listener.notifications.map((n) => n.value[0]).find((v) => v?.lifecycleEvent),
    );
    assert.equal(event.lifecycleEvent, 'reauthorizationRequired');
    assert.equal(event.clientState, 'cs');

    await client.api(`/subscriptions/${sub.id}`).delete();
    await assert.rejects(
      client.api(`/subscriptions/${sub.id}`).get(),
      (err: GraphError) => err.statusCode === 404,
    );
  });

  it('refuses resources the token cannot read and notification URLs off this machine', async () => {
    const noCalendar = graphClient(emu, await graphToken(emu, ALICE, { scp: 'Mail.Read' }));
    await assert.rejects(
      noCalendar.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: url,
        resource: 'me/events',
        expirationDateTime: inFuture(60),
      }),
      (err: GraphError) => err.statusCode === 403,
    );
    await assert.rejects(
      client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: 'https://webhook.example/notify',
        resource: 'me/messages',
        expirationDateTime: inFuture(60),
      }),
      (err: GraphError) => err.statusCode === 400 && err.code === 'ValidationError',
    );
  });
});
