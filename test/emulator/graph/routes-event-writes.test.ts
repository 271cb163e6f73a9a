import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { Event } from '@microsoft/microsoft-graph-types';
import assert from 'node:assert/strict';
import {
  ALICE,
  control,
  DAN,
  graphClient,
  graphToken,
  rawGraph,
  startGraphEmulator,
  type GraphEmulator,
} from './graph-test-support.js';

/**
 * Event writes against the emulator with the real Graph client, each case checked against the Microsoft
 * Graph v1.0 pages named in its title: "Create event" (user-post-events: 201 and the event),
 * "event resource type" (transactionId avoids a second event when a create is retried; returned only
 * when set), "Update event" (event-update: 200 and the event), "Delete event" (event-delete: 204),
 * "Create single-value extended property" and "Get singleValueLegacyExtendedProperty" (`String {GUID}
 * Name name` ids, `$expand=singleValueExtendedProperties($filter=id eq ...)`,
 * `$filter=singleValueExtendedProperties/Any(ep: ep/id eq ... and ep/value eq ...)`), and
 * "event: delta" (writes are changes like any other).
 */

const PROP = 'String {9f3c1b2a-4d5e-4f60-8a7b-1c2d3e4f5a6b} Name CrmAppointmentId';
const WRITE = 'User.Read Calendars.ReadWrite';
type DeltaPage = {
  value: (Event & { '@removed'?: unknown })[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
};

// One "today" for the whole file, so a time sent and the same time expected back never straddle midnight.
const TODAY = Date.now();

function inDays(days: number, hour: number): string {
  const d = new Date(TODAY + days * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString().slice(0, 19);
}

const booking = (transactionId?: string) => ({
  subject: 'Interview: Priya Patel',
  body: { contentType: 'text', content: 'Bring the portfolio.' },
  start: { dateTime: inDays(3, 9), timeZone: 'UTC' },
  end: { dateTime: inDays(3, 10), timeZone: 'UTC' },
  location: { displayName: 'Room 2' },
  attendees: [
    { emailAddress: { address: 'priya.patel@example.com', name: 'Priya Patel' }, type: 'required' },
  ],
  ...(transactionId ? { transactionId } : {}),
  singleValueExtendedProperties: [{ id: PROP, value: 'APT-1' }],
});

async function deltaRound(client: Client, first: string) {
  const items: DeltaPage['value'] = [];
  let url = first;
  for (;;) {
    const page = (await client.api(url).get()) as DeltaPage;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'] };
    url = page['@odata.nextLink']!;
  }
}

async function graphErrorOf(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (err) {
    return { status: (err as GraphError).statusCode, code: (err as GraphError).code ?? '' };
  }
  throw new Error('the request succeeded');
}

describe('Graph event writes (real Graph client against the emulator)', function () {
  let emu: GraphEmulator;
  let client: Client;
  const count = async () =>
    ((await client.api('/me/events').top(1000).get()) as { value: Event[] }).value.length;

  before(async () => {
    emu = await startGraphEmulator();
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    await control(emu, 'POST', '/_emulator/reset');
    client = graphClient(emu, await graphToken(emu, ALICE, { scp: WRITE }));
  });

  it('Create event: POST /me/events answers 201 with the event, organised by the signed-in user', async () => {
    const before = await count();
    const res = await rawGraph(emu, '/me/events', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await graphToken(emu, ALICE, { scp: WRITE })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(booking('tx-1')),
    });
    assert.equal(res.status, 201);
    const created = (await res.json()) as Event & Record<string, unknown>;
    assert.equal(created.subject, 'Interview: Priya Patel');
    assert.equal(created.start?.dateTime?.slice(0, 19), inDays(3, 9));
    assert.equal(created.location?.displayName, 'Room 2');
    assert.equal(created.organizer?.emailAddress?.address, 'alice.smith@contoso.com');
    assert.equal(created.isOrganizer, true);
    assert.equal(created.type, 'singleInstance');
    assert.ok(created.iCalUId && created.changeKey);
    assert.deepEqual(
      created.attendees?.map((a) => [a.emailAddress?.address, a.type]),
      [['priya.patel@example.com', 'required']],
    );
    // event resource type: transactionId comes back because the app set it.
    assert.equal(created.transactionId, 'tx-1');
    // Extended properties appear only when expanded.
    assert.equal(created.singleValueExtendedProperties, undefined);
    assert.equal(await count(), before + 1);
  });

  it('event resource type (transactionId): a retried create returns the first event and makes no second one', async () => {
    const first = (await client.api('/me/events').post(booking('tx-retry'))) as Event;
    const before = await count();
    const again = (await client.api('/me/events').post(booking('tx-retry'))) as Event;
    assert.equal(again.id, first.id);
    assert.equal(await count(), before);
    const other = (await client.api('/me/events').post(booking('tx-other'))) as Event;
    assert.notEqual(other.id, first.id);
    const noKey = (await client.api('/me/events').post(booking())) as Event;
    assert.notEqual(noKey.id, first.id);
    assert.equal(await count(), before + 2);
  });

  it('Create event: POST /users/{id}/events writes to that user’s calendar', async () => {
    const app = graphClient(emu, await graphToken(emu, undefined, { roles: ['Calendars.ReadWrite'] }));
    const created = (await app.api(`/users/${DAN}/events`).post(booking('tx-dan'))) as Event;
    const danClient = graphClient(emu, await graphToken(emu, DAN, { scp: WRITE }));
    const read = (await danClient.api(`/me/events/${created.id}`).get()) as Event;
    assert.equal(read.subject, 'Interview: Priya Patel');
    await assert.rejects(
      client.api(`/me/events/${created.id}`).get(),
      (e: GraphError) => e.statusCode === 404,
    );
  });

  it('dateTimeTimeZone: a start given in an IANA zone is the same instant as its UTC time', async () => {
    const created = (await client.api('/me/events').post({
      ...booking(),
      start: { dateTime: '2027-07-01T10:00:00', timeZone: 'Europe/London' },
      end: { dateTime: '2027-07-01T11:00:00', timeZone: 'Europe/London' },
    })) as Event;
    // British Summer Time is UTC+1 in July.
    assert.equal(created.start?.dateTime?.slice(0, 19), '2027-07-01T09:00:00');
    assert.equal(created.start?.timeZone, 'UTC');
  });

  it('Get singleValueLegacyExtendedProperty: $expand returns our property, $filter finds the event by it', async () => {
    const created = (await client.api('/me/events').post(booking('tx-prop'))) as Event;
    const expanded = (await client
      .api(`/me/events/${created.id}`)
      .expand(`singleValueExtendedProperties($filter=id eq '${PROP}')`)
      .get()) as Event;
    assert.deepEqual(
      expanded.singleValueExtendedProperties?.map((p) => p.value),
      ['APT-1'],
    );
    const plain = (await client.api(`/me/events/${created.id}`).get()) as Event;
    assert.equal(plain.singleValueExtendedProperties, undefined);

    const found = (await client
      .api('/me/events')
      .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${PROP}' and ep/value eq 'apt-1')`)
      .get()) as { value: Event[] };
    assert.deepEqual(
      found.value.map((e) => e.id),
      [created.id],
      'values compare case-insensitively',
    );
    const none = (await client
      .api('/me/events')
      .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${PROP}' and ep/value eq 'APT-2')`)
      .get()) as { value: Event[] };
    assert.deepEqual(none.value, []);
    // The name part of the id is case-sensitive.
    const otherName = (await client
      .api('/me/events')
      .filter(
        `singleValueExtendedProperties/Any(ep: ep/id eq '${PROP.toLowerCase()}' and ep/value eq 'APT-1')`,
      )
      .get()) as { value: Event[] };
    assert.deepEqual(otherName.value, []);
  });

  it('Update event: PATCH answers 200 with the changed event and a new changeKey; transactionId cannot change', async () => {
    const created = (await client.api('/me/events').post(booking('tx-move'))) as Event;
    const moved = (await client.api(`/me/events/${created.id}`).patch({
      subject: 'Interview (moved)',
      start: { dateTime: inDays(4, 14), timeZone: 'UTC' },
      end: { dateTime: inDays(4, 15), timeZone: 'UTC' },
    })) as Event;
    assert.equal(moved.id, created.id);
    assert.equal(moved.subject, 'Interview (moved)');
    assert.equal(moved.start?.dateTime?.slice(0, 19), inDays(4, 14));
    assert.equal(moved.location?.displayName, 'Room 2', 'properties not sent are kept');
    assert.notEqual(moved.changeKey, created.changeKey);
    assert.deepEqual(
      await graphErrorOf(client.api(`/me/events/${created.id}`).patch({ transactionId: 'tx-else' })),
      { status: 400, code: 'ErrorInvalidRequest' },
    );
  });

  it('Delete event: DELETE answers 204; the event is gone and a second delete is 404 ErrorItemNotFound', async () => {
    const created = (await client.api('/me/events').post(booking('tx-del'))) as Event;
    const res = await rawGraph(emu, `/me/events/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await graphToken(emu, ALICE, { scp: WRITE })}` },
    });
    assert.equal(res.status, 204);
    assert.deepEqual(await graphErrorOf(client.api(`/me/events/${created.id}`).get()), {
      status: 404,
      code: 'ErrorItemNotFound',
    });
    assert.deepEqual(await graphErrorOf(client.api(`/me/events/${created.id}`).delete()), {
      status: 404,
      code: 'ErrorItemNotFound',
    });
  });

  it('refuses writes without Calendars.ReadWrite (403 ErrorAccessDenied) and bad bodies (400), creating nothing', async () => {
    const before = await count();
    const readOnly = graphClient(emu, await graphToken(emu, ALICE, { scp: 'Calendars.Read' }));
    assert.deepEqual(await graphErrorOf(readOnly.api('/me/events').post(booking())), {
      status: 403,
      code: 'ErrorAccessDenied',
    });
    assert.deepEqual(await graphErrorOf(client.api('/me/events').post({ ...booking(), colour: 'red' })), {
      status: 400,
      code: 'RequestBodyRead',
    });
    const { start: _start, ...noStart } = booking();
    assert.deepEqual(await graphErrorOf(client.api('/me/events').post(noStart)), {
      status: 400,
      code: 'ErrorInvalidRequest',
    });
    assert.deepEqual(await graphErrorOf(client.api('/me/events').filter("subject eq 'x'").get()), {
      status: 400,
      code: 'ErrorInvalidUrlQueryFilter',
    });
    assert.equal(await count(), before);
  });

  it('event: delta reports a written event as added, then changed, then @removed', async () => {
    const window = `startDateTime=${inDays(-1, 0)}Z&endDateTime=${inDays(30, 0)}Z`;
    const baseline = await deltaRound(client, `/me/calendarView/delta?${window}`);
    const created = (await client.api('/me/events').post(booking('tx-delta'))) as Event;
    const added = await deltaRound(client, baseline.deltaLink);
    assert.deepEqual(
      added.items.map((e) => [e.id, e.subject]),
      [[created.id, 'Interview: Priya Patel']],
    );
    await client.api(`/me/events/${created.id}`).patch({ subject: 'Interview (retitled)' });
    const changed = await deltaRound(client, added.deltaLink);
    assert.deepEqual(
      changed.items.map((e) => [e.id, e.subject]),
      [[created.id, 'Interview (retitled)']],
    );
    await client.api(`/me/events/${created.id}`).delete();
    const removed = await deltaRound(client, changed.deltaLink);
    assert.deepEqual(
      removed.items.map((e) => [e.id, e['@removed'] !== undefined]),
      [[created.id, true]],
    );
  });
});
