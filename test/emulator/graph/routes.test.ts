import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { Event, Message } from '@microsoft/microsoft-graph-types';
import assert from 'node:assert/strict';
import type { RequestLogEntry } from '../../../emulator/graph/throttle.js';
import {
  ALICE,
  control,
  DAN,
  ERIN,
  graphClient,
  graphToken,
  rawGraph,
  startGraphEmulator,
  type GraphEmulator,
} from './graph-test-support.js';

type DeltaPage<T> = { value: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
type Removed = { id: string; '@removed'?: { reason: string } };

async function deltaRound<T>(client: Client, first: string, prefer: string) {
  const items: (T & Removed)[] = [];
  let url = first;
  let pages = 0;
  for (;;) {
    const page = (await client.api(url).header('Prefer', prefer).get()) as DeltaPage<T & Removed>;
    pages++;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'], pages };
    url = page['@odata.nextLink']!;
  }
}

async function requestLog(emu: GraphEmulator, user: string) {
  return (
    await control<{ value: RequestLogEntry[]; retryAfterViolations: number; throttled: number }>(
      emu,
      'GET',
      `/_emulator/mailboxes/${user}/requests`,
    )
  ).body;
}

describe('Graph routes (real Graph client against the emulator)', function () {
  let emu: GraphEmulator;
  let client: Client;

  before(async () => {
    emu = await startGraphEmulator();
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    await control(emu, 'POST', '/_emulator/reset');
    client = graphClient(emu, await graphToken(emu, ALICE));
  });

  it('serves /me from the directory and refuses /me for an app-only token', async () => {
    const me = await client.api('/me').get();
    assert.equal(me.userPrincipalName, 'alice.smith@contoso.com');
    const app = await graphToken(emu, undefined, { roles: ['User.Read.All'] });
    const res = await rawGraph(emu, '/me', { headers: { authorization: `Bearer ${app}` } });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BadRequest');
  });

  // Graph "user resource type" (v1.0): a default property set without $select; proxyAddresses
  // ("SMTP:" primary, "smtp:" aliases) is "returned only on $select"; an unknown property is a 400.
  it('GET /me answers the default user properties, and $select exactly (proxyAddresses only on $select)', async () => {
    await control(emu, 'PATCH', `/_emulator/users/${ALICE}`, {
      proxyAddresses: ['SMTP:alice.smith@contoso.com', 'smtp:a.smith@contoso.com'],
    });
    const me = (await client.api('/me').get()) as Record<string, unknown>;
    assert.deepEqual(
      Object.keys(me)
        .filter((k) => !k.startsWith('@'))
        .sort(),
      [
        'businessPhones',
        'displayName',
        'givenName',
        'id',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
      ],
    );
    const selected = (await client
      .api('/me')
      .select(['mail', 'userPrincipalName', 'proxyAddresses'])
      .get()) as Record<string, unknown>;
    assert.deepEqual(Object.fromEntries(Object.entries(selected).filter(([k]) => !k.startsWith('@'))), {
      mail: 'alice.smith@contoso.com',
      userPrincipalName: 'alice.smith@contoso.com',
      proxyAddresses: ['SMTP:alice.smith@contoso.com', 'smtp:a.smith@contoso.com'],
    });
    const byId = (await client.api(`/users/${ALICE}`).select('id,proxyAddresses').get()) as Record<
      string,
      unknown
    >;
    assert.equal(byId['id'], ALICE);
    assert.deepEqual(byId['proxyAddresses'], ['SMTP:alice.smith@contoso.com', 'smtp:a.smith@contoso.com']);
    const unknown = await rawGraph(emu, '/me?$select=mail,shoeSize', {
      headers: { authorization: `Bearer ${await graphToken(emu, ALICE)}` },
    });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /shoeSize/);
  });

  it('runs a messages delta round to completion, then reports later changes exactly once', async () => {
    await control(emu, 'POST', `/_emulator/mailboxes/${ALICE}/generate`, {
      messages: 45,
      events: 0,
      seed: 5,
    });
    const immutable = 'odata.maxpagesize=10, IdType="ImmutableId"';
    const first = await deltaRound<Message>(
      client,
      "/me/mailFolders('inbox')/messages/delta?$select=subject,from,receivedDateTime",
      immutable,
    );
    const inboxCount = first.items.length;
    assert.ok(first.pages >= 4, `several pages (${first.pages})`);
    assert.equal(new Set(first.items.map((m) => m.id)).size, inboxCount);
    for (const m of first.items)
      assert.deepEqual(Object.keys(m).sort(), [
        '@odata.etag',
        '@odata.type',
        'from',
        'id',
        'receivedDateTime',
        'subject',
      ]);

    const [a, b, c] = first.items;
    const base = `/_emulator/mailboxes/alice.smith@contoso.com/messages`;
    const added = await control<{ immutableId: string }>(emu, 'POST', base, {
      subject: 'New candidate enquiry',
      from: 'sofia.rossi@example.org',
      to: ['alice.smith@contoso.com'],
    });
    assert.equal(added.status, 201);
    assert.equal((await control(emu, 'PATCH', `${base}/${a!.id}`, { subject: 'Edited' })).status, 200);
    assert.equal((await control(emu, 'DELETE', `${base}/${b!.id}`)).status, 204);
    assert.equal((await control(emu, 'POST', `${base}/${c!.id}/move`, { folder: 'archive' })).status, 200);

    const second = await deltaRound<Message>(client, first.deltaLink, immutable);
    const byId = new Map(second.items.map((m) => [m.id, m]));
    assert.equal(second.items.length, 4);
    assert.equal(byId.get(a!.id)?.subject, 'Edited');
    assert.deepEqual(byId.get(b!.id)?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(c!.id)?.['@removed'], { reason: 'changed' });
    assert.equal(byId.get(added.body.immutableId)?.subject, 'New candidate enquiry');
    const third = await deltaRound<Message>(client, second.deltaLink, immutable);
    assert.equal(third.items.length, 0);
  });

  it('answers Preference-Applied and rejects an unknown $select property', async () => {
    const res = await rawGraph(emu, '/me/mailFolders/inbox/messages/delta', {
      headers: { authorization: `Bearer ${await graphToken(emu, ALICE)}`, prefer: 'odata.maxpagesize=2' },
    });
    assert.equal(res.headers.get('preference-applied'), 'odata.maxpagesize=2');
    assert.equal(((await res.json()) as DeltaPage<Message>).value.length, 2);
    await assert.rejects(
      client.api('/me/mailFolders/inbox/messages/delta?$select=subject,nonsense').get(),
      (err: GraphError) => err.statusCode === 400 && /nonsense/.test(err.message),
    );
  });

  it('answers 410 SyncStateNotFound for a state token when forced, and a fresh round works', async () => {
    const page = (await client
      .api('/me/mailFolders/inbox/messages/delta')
      .header('Prefer', 'odata.maxpagesize=2')
      .get()) as DeltaPage<Message>;
    assert.ok(page['@odata.nextLink']);
    await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/faults`, { syncStateGone: 1 });
    await assert.rejects(
      client.api(page['@odata.nextLink']!).get(),
      (err: GraphError) => err.statusCode === 410 && err.code === 'SyncStateNotFound',
    );
    const restarted = await deltaRound<Message>(
      client,
      '/me/mailFolders/inbox/messages/delta',
      'odata.maxpagesize=3',
    );
    assert.equal(restarted.items.length, 7, 'the demo inbox, complete');
  });

  it('throttles with 429 and Retry-After; the client waits and the request log proves it', async () => {
    await control(emu, 'DELETE', `/_emulator/mailboxes/${ALICE}/requests`);
    await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/budget`, { limit: 1, windowSeconds: 1 });
    await client.api('/me/mailFolders/inbox').get();
    const folder = await client.api('/me/mailFolders/inbox').get();
    assert.equal(folder.displayName, 'Inbox');
    const log = await requestLog(emu, ALICE);
    const statuses = log.value.map((e) => e.status);
    assert.deepEqual(statuses, [200, 429, 200]);
    assert.equal(log.retryAfterViolations, 0, 'the retry came after Retry-After elapsed');
    assert.ok(Date.parse(log.value[2]!.time) - Date.parse(log.value[1]!.time) >= 900);
  });

  it('counts a request that ignores Retry-After', async () => {
    await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/faults`, {
      throttleRate: 1,
      throttleRetryAfterSeconds: 30,
    });
    const headers = { authorization: `Bearer ${await graphToken(emu, ALICE)}` };
    const first = await rawGraph(emu, '/me/mailFolders', { headers });
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '30');
    assert.equal(((await first.json()) as { error: { code: string } }).error.code, 'ApplicationThrottled');
    await rawGraph(emu, '/me/mailFolders', { headers });
    assert.equal((await requestLog(emu, ALICE)).retryAfterViolations, 1);
  });

  // Microsoft Graph throttling limits, "Outlook service limits": four concurrent requests per app ID and
  // mailbox combination (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits).
  it('allows 4 concurrent requests per mailbox and throttles the 5th with 429 MailboxConcurrency', async () => {
    await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/faults`, { latencyMs: 400 });
    const headers = { authorization: `Bearer ${await graphToken(emu, ALICE)}` };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => rawGraph(emu, '/me/mailFolders', { headers })),
    );
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 200, 200, 200, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'ApplicationThrottled');
    assert.match(error.message, /MailboxConcurrency/);
    // Another mailbox is not affected by Alice's limit.
    const dan = await rawGraph(emu, '/me/mailFolders', {
      headers: { authorization: `Bearer ${await graphToken(emu, DAN)}` },
    });
    assert.equal(dan.status, 200);
  });

  it('runs $batch sub-requests through the same handlers, with dependsOn and the 20-request limit', async () => {
    const batch = await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: '/me' },
        { id: '2', method: 'GET', url: "/me/mailFolders('sentitems')", dependsOn: ['1'] },
        { id: '3', method: 'GET', url: `/users/${ERIN}/mailFolders/inbox` },
        { id: '4', method: 'GET', url: '/me/mailFolders/nowhere' },
        { id: '5', method: 'GET', url: '/me/mailFolders/inbox', dependsOn: ['4'] },
      ],
    });
    const byId = new Map<string, { status: number; body: { displayName?: string } }>(
      batch.responses.map((r: { id: string }) => [r.id, r]),
    );
    assert.equal(byId.get('1')!.status, 200);
    assert.equal(byId.get('2')!.body.displayName, 'Sent Items');
    assert.equal(byId.get('3')!.status, 404, 'another tenant’s user');
    assert.equal(byId.get('4')!.status, 404);
    assert.equal(byId.get('5')!.status, 424);
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' }));
    await assert.rejects(
      client.api('/$batch').post({ requests: tooMany }),
      (err: GraphError) => err.statusCode === 400,
    );
  });

  it('expands recurring meetings in calendarView delta and reflects a cancelled occurrence', async () => {
    const setting = await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/calendar-delta`, {
      seriesMasters: 'omitted',
      cancelledOccurrences: 'removed',
    });
    assert.equal(setting.status, 200);
    const now = Date.now();
    const start = new Date(now - 60 * 86_400_000).toISOString();
    const end = new Date(now + 90 * 86_400_000).toISOString();
    const window = `startDateTime=${start}&endDateTime=${end}`;
    const first = await deltaRound<Event>(client, `/me/calendarView/delta?${window}`, 'odata.maxpagesize=5');
    assert.ok(!first.items.some((e) => e.type === 'seriesMaster'));
    const masters = new Map<string, Event>();
    for (const id of new Set(first.items.map((e) => e.seriesMasterId).filter((id): id is string => !!id)))
      masters.set(id, await client.api(`/me/events/${id}`).get());
    const [masterId, master] = [...masters].find(([, m]) => m.subject === 'Weekly check-in: Priya Patel')!;
    assert.equal(master.type, 'seriesMaster');
    assert.equal(master.recurrence!.pattern!.type, 'weekly');
    const checkIns = first.items.filter((e) => e.seriesMasterId === masterId && e.type === 'occurrence');
    assert.equal(checkIns.length, 7, 'eight weekly occurrences, one cancelled');
    assert.ok(
      checkIns.every((e) => e.subject === undefined && e.iCalUId === undefined),
      'stripped',
    );

    // "List instances": the same occurrences in full, paged with $top.
    const listed: Event[] = [];
    let url: string | undefined = `/me/events/${masterId}/instances?${window}&$top=3`;
    while (url) {
      const page = (await client.api(url).get()) as DeltaPage<Event>;
      assert.ok(page.value.length <= 3);
      listed.push(...page.value);
      url = page['@odata.nextLink'];
    }
    assert.equal(listed.length, 7);
    assert.ok(listed.every((e) => e.subject && e.seriesMasterId === masterId));
    assert.deepEqual(
      checkIns.map((e) => e.id),
      listed.filter((e) => e.type === 'occurrence').map((e) => e.id),
    );

    const cancel = await control<{ occurrenceId: string }>(
      emu,
      'POST',
      `/_emulator/mailboxes/${ALICE}/events/${masterId}/cancel-occurrence`,
      { originalStart: listed[4]!.originalStart },
    );
    assert.equal(cancel.status, 200);
    const second = await deltaRound<Event>(client, first.deltaLink, 'odata.maxpagesize=5');
    assert.deepEqual(second.items.find((e) => e.id === listed[4]!.id)?.['@removed'], { reason: 'deleted' });
    assert.equal(cancel.body.occurrenceId, listed[4]!.id);
    const after = (await client
      .api(`/me/events/${masterId}/instances?${window}&$top=50`)
      .get()) as DeltaPage<Event>;
    assert.equal(after.value.length, 6, 'a cancelled occurrence is not an instance any more');

    await assert.rejects(
      client.api('/me/calendarView/delta').get(),
      (err: GraphError) => err.statusCode === 400,
    );
    await assert.rejects(
      client.api(`/me/events/${masterId}/instances`).get(),
      (err: GraphError) => err.statusCode === 400,
    );
    const bad = await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/calendar-delta`, {
      seriesMasters: 'sometimes',
    });
    assert.equal(bad.status, 400);
  });

  it('accepts sendMail with 202, records it and saves it to Sent Items', async () => {
    await client.api('/me/sendMail').post({
      message: {
        subject: 'Cloud Sync is active',
        body: { contentType: 'Text', content: 'Your mail and diary now sync to the CRM.' },
        toRecipients: [{ emailAddress: { address: 'dan.morgan@contoso.com' } }],
      },
    });
    const sent = await control<{ value: { message: Message; sentItemId: string }[] }>(
      emu,
      'GET',
      `/_emulator/mailboxes/${ALICE}/sent-mail`,
    );
    assert.equal(sent.body.value.length, 1);
    assert.equal(sent.body.value[0]!.message.subject, 'Cloud Sync is active');
    const copy = await client.api(`/me/messages/${sent.body.value[0]!.sentItemId}`).get();
    assert.equal(copy.subject, 'Cloud Sync is active');
    await assert.rejects(
      client.api('/me/sendMail').post({ message: { subject: 'nobody' } }),
      (err: GraphError) => err.statusCode === 400 && err.code === 'ErrorInvalidRecipients',
    );
  });

  it('refuses bad tokens with 401 and missing scopes with 403', async () => {
    const call = (token?: string) =>
      rawGraph(
        emu,
        '/me/mailFolders/inbox/messages/delta',
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
    const codes = async (res: Response) => [
      res.status,
      ((await res.json()) as { error: { code: string } }).error.code,
    ];
    assert.deepEqual(await codes(await call()), [401, 'InvalidAuthenticationToken']);
    assert.deepEqual(await codes(await call(await graphToken(emu, ALICE, { aud: 'api://someone-else' }))), [
      401,
      'InvalidAuthenticationToken',
    ]);
    assert.deepEqual(await codes(await call(await graphToken(emu, ALICE, { lifetimeSeconds: -60 }))), [
      401,
      'InvalidAuthenticationToken',
    ]);
    const forged = (await graphToken(emu, ALICE)).replace(/\.[^.]+$/, '.AAAA');
    assert.deepEqual(await codes(await call(forged)), [401, 'InvalidAuthenticationToken']);
    assert.deepEqual(await codes(await call(await graphToken(emu, ALICE, { scp: 'User.Read' }))), [
      403,
      'ErrorAccessDenied',
    ]);
    const danReadsAlice = await rawGraph(emu, `/users/${ALICE}/mailFolders`, {
      headers: { authorization: `Bearer ${await graphToken(emu, DAN)}` },
    });
    assert.equal(danReadsAlice.status, 403);
  });
});
