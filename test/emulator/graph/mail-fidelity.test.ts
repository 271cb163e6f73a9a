import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import assert from 'node:assert/strict';
import {
  ALICE,
  control,
  graphClient,
  graphToken,
  startGraphEmulator,
  type GraphEmulator,
} from './graph-test-support.js';

/**
 * Contract tests of the emulator's messages delta against Microsoft's documents and public reports,
 * each named in its test. The emulator answers as Graph does, never as the product would like.
 */

type Item = { id: string; singleValueExtendedProperties?: { id: string; value: string }[] };
type Folder = {
  id: string;
  displayName: string;
  parentFolderId: string;
  childFolderCount: number;
  totalItemCount: number;
};
type Page = { value: Item[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

const EXPAND = "singleValueExtendedProperties($filter=id eq 'Integer 0x0036')";
const PREFER = 'odata.maxpagesize=1000, IdType="ImmutableId"';

async function round(client: Client, first: string) {
  const items: Item[] = [];
  let url = first;
  for (;;) {
    const page = (await client.api(url).header('Prefer', PREFER).get()) as Page;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'] };
    url = page['@odata.nextLink']!;
  }
}

async function failure(request: Promise<unknown>): Promise<GraphError> {
  try {
    await request;
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  assert.fail('Graph answered with success');
}

describe('Graph messages delta fidelity (emulator contract)', function () {
  let emu: GraphEmulator;
  let client: Client;
  const faults = (settings: object) => control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/faults`, settings);

  before(async () => {
    emu = await startGraphEmulator();
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    await control(emu, 'POST', '/_emulator/reset');
    client = graphClient(emu, await graphToken(emu, ALICE), 0);
  });

  it('a $filter-ed delta returns only up to 5,000 messages; unfiltered lists the folder (learn.microsoft.com/graph/delta-query-messages)', async () => {
    await control(emu, 'POST', `/_emulator/mailboxes/${ALICE}/generate`, {
      messages: 8000,
      seed: 7,
      days: 100,
    });
    const inbox = (await client.api('/me/mailFolders/inbox').get()) as { totalItemCount: number };
    const since = new Date(Date.now() - 95 * 86_400_000).toISOString();
    const filtered = await round(
      client,
      `/me/mailFolders/inbox/messages/delta?$select=id&$filter=${encodeURIComponent(`receivedDateTime ge ${since}`)}`,
    );
    assert.ok(inbox.totalItemCount > 5000, `the inbox holds ${inbox.totalItemCount}`);
    assert.equal(filtered.items.length, 5000);
    const whole = await round(client, '/me/mailFolders/inbox/messages/delta?$select=id');
    assert.equal(whole.items.length, inbox.totalItemCount);
  });

  it('a lost sync state answers syncStateNotFound with the 40X status configured, not only 410 ("Use delta query", Token duration)', async () => {
    const { deltaLink } = await round(client, '/me/mailFolders/inbox/messages/delta?$select=id');
    for (const status of [400, 404, 410] as const) {
      await faults({ syncStateGone: 1, syncStateGoneStatus: status });
      const err = await failure(client.api(deltaLink).get());
      assert.equal(err.statusCode, status);
      assert.equal(err.code, 'SyncStateNotFound');
    }
    const calendar = await failure(
      (async () => {
        await faults({ syncStateGone: 1, syncStateGoneStatus: 400 });
        const start = new Date().toISOString();
        const first = (await client
          .api(`/me/calendarView/delta?startDateTime=${start}&endDateTime=${start}`)
          .get()) as Page;
        await client.api(first['@odata.deltaLink']!).get();
      })(),
    );
    assert.equal(calendar.statusCode, 400, 'the calendar view delta too');
  });

  it('serves, refuses (HTTP 500, docs-contrib issues 8029/7929) or drops (msgraph-sdk-dotnet-core issue 40) the sensitivity $expand on delta, while a GET of the message serves it ("Get singleValueLegacyExtendedProperty")', async () => {
    const url = `/me/mailFolders/inbox/messages/delta?$select=id&$expand=${encodeURIComponent(EXPAND)}`;
    const served = await round(client, url);
    assert.ok(served.items.length > 0);
    assert.ok(served.items.every((i) => i.singleValueExtendedProperties?.[0]?.id === 'Integer 0x36'));

    await faults({ deltaExpand: 'refused' });
    const refused = await failure(client.api(url).get());
    assert.equal(refused.statusCode, 500);
    assert.equal(refused.code, 'InternalServerError');
    const plain = await round(client, '/me/mailFolders/inbox/messages/delta?$select=id');
    assert.equal(plain.items.length, served.items.length, 'the same request without $expand is served');

    await faults({ deltaExpand: 'dropped' });
    const dropped = await round(client, url);
    assert.equal(dropped.items.length, served.items.length);
    assert.ok(dropped.items.every((i) => i.singleValueExtendedProperties === undefined));

    const one = (await client
      .api(
        `/me/messages/${encodeURIComponent(dropped.items[0]!.id)}?$select=id&$expand=${encodeURIComponent(EXPAND)}`,
      )
      .header('Prefer', 'IdType="ImmutableId"')
      .get()) as Item;
    assert.equal(one.singleValueExtendedProperties?.[0]?.id, 'Integer 0x36');
  });

  describe('mail folders', function () {
    let writer: Client;
    beforeEach(async () => {
      writer = graphClient(emu, await graphToken(emu, ALICE, { scp: 'User.Read Mail.ReadWrite' }), 0);
    });

    it('creates a custom folder and a child folder; the same name twice under one parent is 409 ErrorFolderExists ("Create mailFolder", "Create child folder")', async () => {
      const candidates = (await writer.api('/me/mailFolders').post({ displayName: 'Candidates' })) as Folder;
      assert.equal(candidates.displayName, 'Candidates');
      assert.equal(candidates.totalItemCount, 0);
      const shortlist = (await writer
        .api(`/me/mailFolders/${encodeURIComponent(candidates.id)}/childFolders`)
        .post({ displayName: 'Shortlist' })) as Folder;
      assert.equal(shortlist.parentFolderId, candidates.id);

      const top = (await writer.api('/me/mailFolders').get()) as { value: Folder[] };
      const listed = top.value.find((f) => f.id === candidates.id);
      assert.equal(listed?.childFolderCount, 1);
      assert.ok(!top.value.some((f) => f.id === shortlist.id), 'a child folder is not top-level');
      const children = (await writer
        .api(`/me/mailFolders/${encodeURIComponent(candidates.id)}/childFolders`)
        .get()) as { value: Folder[] };
      assert.deepEqual(
        children.value.map((f) => f.displayName),
        ['Shortlist'],
      );

      const twice = await failure(writer.api('/me/mailFolders').post({ displayName: 'candidates' }));
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.code, 'ErrorFolderExists');
      const readOnly = await failure(client.api('/me/mailFolders').post({ displayName: 'Other' }));
      assert.equal(readOnly.statusCode, 403, 'creating needs Mail.ReadWrite');
    });

    it('moves a message into a custom folder: 201 with the message, @removed (changed) in the old folder\'s delta, listed in the new one ("message: move")', async () => {
      const candidates = (await writer.api('/me/mailFolders').post({ displayName: 'Candidates' })) as Folder;
      const inbox = await round(client, '/me/mailFolders/inbox/messages/delta?$select=subject');
      const target = inbox.items[0]!;
      const moved = (await writer
        .api(`/me/messages/${encodeURIComponent(target.id)}/move`)
        .header('Prefer', 'IdType="ImmutableId"')
        .post({ destinationId: candidates.id })) as Item & { parentFolderId: string };
      assert.equal(moved.parentFolderId, candidates.id);
      assert.equal(moved.id, target.id, 'an immutable id survives the move');

      const after = (await client.api(inbox.deltaLink).header('Prefer', PREFER).get()) as Page;
      assert.deepEqual(
        after.value.map((i) => [i.id, (i as { '@removed'?: { reason: string } })['@removed']?.reason]),
        [[target.id, 'changed']],
      );
      const inCandidates = await round(
        client,
        `/me/mailFolders/${encodeURIComponent(candidates.id)}/messages/delta?$select=subject`,
      );
      assert.deepEqual(
        inCandidates.items.map((i) => i.id),
        [target.id],
      );
      const gone = await failure(
        writer.api('/me/messages/AAkALgMbm9uZQ/move').post({ destinationId: candidates.id }),
      );
      assert.equal(gone.statusCode, 404);
    });

    it('loses one folder\'s sync state while the others keep theirs: delta is "a per-folder operation"', async () => {
      const inbox = await round(client, '/me/mailFolders/inbox/messages/delta?$select=id');
      const sent = await round(client, '/me/mailFolders/sentitems/messages/delta?$select=id');
      await faults({ syncStateGone: 5, syncStateGoneFolder: 'inbox' });
      assert.ok(Array.isArray(((await client.api(sent.deltaLink).get()) as Page).value));
      const err = await failure(client.api(inbox.deltaLink).get());
      assert.equal(err.statusCode, 410);
      assert.equal(err.code, 'SyncStateNotFound');
    });
  });
});
