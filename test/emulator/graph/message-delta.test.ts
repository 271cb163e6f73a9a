import assert from 'node:assert/strict';
import type { MessageDeltaState } from '../../../emulator/graph/delta-token.js';
import type { Mailbox } from '../../../emulator/graph/mailbox.js';
import { MailboxStore } from '../../../emulator/graph/mailbox-store.js';
import {
  FILTERED_DELTA_CAP,
  initialMessageState,
  messageDeltaPage,
  type DeltaOptions,
} from '../../../emulator/graph/message-delta.js';

const USER = 'a1000000-0000-4000-8000-000000000001';
const NOW = Date.parse('2025-03-10T12:00:00Z');
const OPTIONS: DeltaOptions = { pageSize: 7, immutable: true, replayItems: 0 };

type Item = { id: string; subject?: string; '@removed'?: { reason: string } };

function mailbox(messages = 25): Mailbox {
  return new MailboxStore(() => NOW).generate(USER, {
    messages,
    events: 0,
    seed: 3,
    ownerAddress: 'alice.smith@contoso.com',
  });
}

/** Follows next links to the end of a round; returns every item and the delta state. */
function round(box: Mailbox, start: MessageDeltaState, options = OPTIONS) {
  const items: Item[] = [];
  let state = start;
  let pages = 0;
  for (;;) {
    const page = messageDeltaPage(box, state, options);
    pages++;
    items.push(...(page.value as Item[]));
    if (page.delta) return { items, delta: page.delta, pages };
    state = page.next!;
  }
}

const query = { select: null, since: null, inclusive: true, expandSensitivity: false };

describe('message delta', () => {
  it('pages an initial round over every message of the folder exactly once', () => {
    const box = mailbox(60);
    const inbox = box.messages.keysIn('inbox').length;
    const { items, pages } = round(box, initialMessageState(box, 'inbox', query));
    assert.equal(items.length, inbox);
    assert.equal(new Set(items.map((i) => i.id)).size, inbox);
    assert.equal(pages, Math.ceil(inbox / OPTIONS.pageSize));
  });

  it('reports each change since the cursor once: adds, updates, deletes and moves', () => {
    const box = mailbox();
    const first = round(box, initialMessageState(box, 'inbox', query));
    const [k1, k2, k3] = box.messages.keysIn('inbox');
    box.messages.update(k1!, { subject: 'edited once' }, undefined, NOW);
    box.messages.update(k1!, { subject: 'edited twice' }, undefined, NOW);
    box.messages.delete(k2!);
    box.messages.move(k3!, 'archive', NOW);
    const added = box.messages.add('inbox', { subject: 'brand new' }, 'normal', NOW);

    const second = round(box, first.delta);
    const byId = new Map(second.items.map((i) => [i.id, i]));
    assert.equal(second.items.length, 4, 'four items changed, each reported once');
    assert.equal(byId.get(box.messages.immutableId(k1!))?.subject, 'edited twice');
    assert.deepEqual(byId.get(box.messages.immutableId(k2!))?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(byId.get(box.messages.immutableId(k3!))?.['@removed'], { reason: 'changed' });
    assert.equal(byId.get(box.messages.immutableId(added.key))?.subject, 'brand new');

    const third = round(box, second.delta);
    assert.deepEqual(third.items, [], 'nothing changed since');
    const archive = round(box, initialMessageState(box, 'archive', query));
    assert.equal(archive.items.length, 1, 'the moved message is in its new folder');
  });

  it('uses the id the client knows for removals when ids are regular', () => {
    const box = mailbox(5);
    const regular = { ...OPTIONS, immutable: false };
    const first = round(box, initialMessageState(box, 'inbox', query), regular);
    const key = box.messages.keysIn('inbox')[0]!;
    const knownId = first.items.find((i) => box.messages.find(i.id)?.key === key)!.id;
    box.messages.move(key, 'archive', NOW);
    box.messages.move(key, 'inbox', NOW);
    const second = round(box, first.delta, regular);
    assert.deepEqual(second.items.find((i) => i.id === knownId)?.['@removed'], { reason: 'changed' });
    assert.ok(second.items.some((i) => !i['@removed'] && box.messages.find(i.id)?.key === key));
  });

  it('honours $select and the receivedDateTime filter', () => {
    const box = mailbox(40);
    const since = Date.parse('2025-01-01T00:00:00Z');
    const { items } = round(
      box,
      initialMessageState(box, 'inbox', { ...query, select: ['subject', 'receivedDateTime'], since }),
    );
    const expected = box.messages
      .keysIn('inbox')
      .filter((k) => Date.parse(box.messages.get(k)!.fields.receivedDateTime!) >= since).length;
    assert.ok(expected > 0 && expected < box.messages.keysIn('inbox').length);
    assert.equal(items.length, expected);
    for (const item of items) {
      assert.deepEqual(Object.keys(item).sort(), [
        '@odata.etag',
        '@odata.type',
        'id',
        'receivedDateTime',
        'subject',
      ]);
    }
  });

  // "Applying $filter in a delta query returns only up to 5,000 messages": Microsoft Graph docs, "Get
  // incremental changes to messages in a folder" (learn.microsoft.com/graph/delta-query-messages).
  it('ends a $filter-ed initial round after 5,000 messages, and lists every message without a filter', () => {
    const box = mailbox(9000);
    const since = NOW - 300 * 86_400_000;
    const inbox = box.messages.keysIn('inbox');
    const matching = inbox.filter((k) => Date.parse(box.messages.get(k)!.fields.receivedDateTime!) >= since);
    assert.ok(matching.length > FILTERED_DELTA_CAP, 'more messages match than the cap');
    const big = { ...OPTIONS, pageSize: 1000 };

    const filtered = round(box, initialMessageState(box, 'inbox', { ...query, since }), big);
    assert.equal(filtered.items.length, 5000);
    assert.equal(new Set(filtered.items.map((i) => i.id)).size, 5000);
    assert.ok(filtered.items.every((i) => matching.includes(box.messages.find(i.id)!.key)));

    const unfiltered = round(box, initialMessageState(box, 'inbox', query), big);
    assert.equal(unfiltered.items.length, inbox.length);

    const added = box.messages.add(
      'inbox',
      { subject: 'new', receivedDateTime: new Date(NOW).toISOString() },
      'normal',
      NOW,
    );
    const next = round(box, filtered.delta, big);
    assert.deepEqual(
      next.items.map((i) => i.id),
      [box.messages.immutableId(added.key)],
      'the capped round still tracks changes afterwards',
    );
  });

  it('replays items across pages when asked, without losing any', () => {
    const box = mailbox(30);
    const { items } = round(box, initialMessageState(box, 'inbox', query), { ...OPTIONS, replayItems: 2 });
    const distinct = new Set(items.map((i) => i.id));
    assert.equal(distinct.size, box.messages.keysIn('inbox').length);
    assert.ok(items.length > distinct.size, 'some items came twice');
  });

  it('enumerates what existed at the start of the round and catches up on later changes next round', () => {
    const box = mailbox(20);
    let page = messageDeltaPage(box, initialMessageState(box, 'inbox', query), OPTIONS);
    const seen = [...(page.value as Item[])];
    const lateKey = box.messages.add('inbox', { subject: 'arrived mid-round' }, 'normal', NOW).key;
    while (page.next) {
      page = messageDeltaPage(box, page.next, OPTIONS);
      seen.push(...(page.value as Item[]));
    }
    const next = round(box, page.delta!);
    assert.ok(next.items.some((i) => i.id === box.messages.immutableId(lateKey)));
  });
});
