import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeltaEntry, DeltaPage } from '../../../bot/sync/core/delta-page.js';
import type { DeltaMessage } from '../../../bot/sync/core/graph-items.js';
import { type MailPageContext, reconcileMailPage } from '../../../bot/sync/core/mail-reconcile.js';
import { filingContext, message, to } from './fixtures.js';
import { StoreModel } from './store-model.js';

const LINK = 'https://graph.example/v1.0/next';

function page(entries: DeltaEntry<DeltaMessage>[], rejected = 0): DeltaPage<DeltaMessage> {
  const rejects = Array.from({ length: rejected }, (_, index) => ({ index, problem: 'entry has no id' }));
  return { entries, rejected: rejects, nextLink: LINK, deltaLink: null };
}
const item = (m: DeltaMessage): DeltaEntry<DeltaMessage> => ({ kind: 'item', id: m.id, item: m });
const removed = (id: string): DeltaEntry<DeltaMessage> => ({ kind: 'removed', id, reason: 'deleted' });

function ctx(folder = 'inbox', account = 'acct-alice', own = 'alice.smith@contoso.com'): MailPageContext {
  return {
    ...filingContext(own),
    tenantId: 'contoso',
    accountId: account,
    folder,
    receivedFrom: '2025-01-01T00:00:00.000Z',
  };
}

describe('sync/core/mail-reconcile', () => {
  it('files a message: one CRM e-mail, this account as owner, its contacts linked, old skip cleared', () => {
    const result = reconcileMailPage(
      page([item(message({ id: 'g1', ccRecipients: [to('tom.becker@northwind.example')] }))]),
      ctx(),
    );
    assert.deepEqual(
      result.ops.map((op) => op.kind),
      [
        'mail_item.upsert',
        'mail_item_owner.upsert',
        'mail_item_contact.link',
        'mail_item_contact.link',
        'sync_skip.clear',
      ],
    );
    const upsert = result.ops[0];
    assert.ok(upsert?.kind === 'mail_item.upsert');
    assert.equal(upsert.internetMessageId, '<g1@mail.example.com>');
    assert.deepEqual(upsert.fields.toAddresses, ['alice.smith@contoso.com']);
    assert.equal(upsert.fields.sentAt, '2025-03-01T09:59:00.000Z');
    const owner = result.ops[1];
    assert.ok(owner?.kind === 'mail_item_owner.upsert');
    assert.deepEqual([owner.folder, owner.direction, owner.graphMessageId], ['inbox', 'received', 'g1']);
    assert.deepEqual(result.counts, { filed: 1, removed: 0, skipped: {}, rejected: 0 });
  });

  it('gives the same ops for the same page twice, and for the page in another order', () => {
    const entries = [
      item(message({ id: 'a' })),
      removed('b'),
      item(message({ id: 'c', from: to('stranger@example.biz') })),
      item(message({ id: 'd', from: to('tom.becker@northwind.example') })),
    ];
    const first = reconcileMailPage(page(entries), ctx());
    assert.deepEqual(reconcileMailPage(page(entries), ctx()), first);
    assert.deepEqual(reconcileMailPage(page([...entries].reverse()), ctx()), first);
    const store = new StoreModel().apply(first.ops);
    assert.equal(store.apply(first.ops).snapshot(), new StoreModel().apply(first.ops).snapshot());
  });

  it('an empty page changes nothing', () => {
    assert.deepEqual(reconcileMailPage(page([]), ctx()), {
      ops: [],
      counts: { filed: 0, removed: 0, skipped: {}, rejected: 0 },
    });
  });

  it('a replay of an older copy does not overwrite a newer one', () => {
    const older = message({ id: 'a', subject: 'Old', lastModifiedDateTime: '2025-03-01T10:00:00Z' });
    const newer = message({ id: 'a', subject: 'New', lastModifiedDateTime: '2025-03-02T10:00:00Z' });
    const store = new StoreModel();
    store.apply(reconcileMailPage(page([item(newer)]), ctx()).ops);
    store.apply(reconcileMailPage(page([item(older), item(older)]), ctx()).ops);
    const [row] = [...store.mailItems.values()];
    assert.deepEqual((row?.fields as { subject: string }).subject, 'New');
  });

  it('a deletion in Outlook keeps the CRM e-mail and marks the owner as having left the folder', () => {
    const store = new StoreModel();
    store.apply(reconcileMailPage(page([item(message({ id: 'a' }))]), ctx()).ops);
    const removal = reconcileMailPage(page([removed('a')]), ctx());
    assert.deepEqual(removal.counts.removed, 1);
    store.apply(removal.ops);
    assert.equal(store.mailItems.size, 1);
    assert.equal(store.mailOwners.get('acct-alice|a')?.leftFolder, true);
  });

  it('a move between synced folders ends in the new folder whichever folder syncs first', () => {
    const before = message({ id: 'a', lastModifiedDateTime: '2025-03-01T10:00:00Z' });
    const moved = message({ id: 'a', lastModifiedDateTime: '2025-03-03T10:00:00Z' });
    const arrive = reconcileMailPage(page([item(moved)]), ctx('archive')).ops;
    const leave = reconcileMailPage(page([removed('a')]), ctx('inbox')).ops;
    const initial = reconcileMailPage(page([item(before)]), ctx('inbox')).ops;
    for (const order of [
      [initial, arrive, leave],
      [initial, leave, arrive],
    ]) {
      const store = new StoreModel();
      for (const ops of order) store.apply(ops);
      assert.deepEqual(store.mailOwners.get('acct-alice|a'), {
        mailKey: 'contoso|<a@mail.example.com>',
        folder: 'archive',
        direction: 'received',
        version: '2025-03-03T10:00:00.000Z',
        leftFolder: false,
      });
    }
  });

  it('two recruiters on one thread give one CRM e-mail with two owners', () => {
    const thread = {
      internetMessageId: '<thread-1@contoso.com>',
      from: to('alice.smith@contoso.com'),
      toRecipients: [to('dan.morgan@contoso.com'), to('priya.patel@example.com')],
    };
    const store = new StoreModel();
    store.apply(
      reconcileMailPage(page([item(message({ id: 'alice-copy', ...thread }))]), ctx('sentitems')).ops,
    );
    store.apply(
      reconcileMailPage(
        page([item(message({ id: 'dan-copy', ...thread }))]),
        ctx('inbox', 'acct-dan', 'dan.morgan@contoso.com'),
      ).ops,
    );
    assert.deepEqual([...store.mailItems.keys()], ['contoso|<thread-1@contoso.com>']);
    assert.deepEqual(
      [...store.mailOwners.entries()].map(([k, o]) => `${k}:${o.folder}:${o.direction}`).sort(),
      ['acct-alice|alice-copy:sentitems:sent', 'acct-dan|dan-copy:inbox:received'],
    );
    assert.deepEqual([...store.mailContacts], ['contoso|<thread-1@contoso.com>|c-priya']);
  });

  it('records every skip with its reason and no subject, and clears it once the message is filed', () => {
    const confidential = message({
      id: 'x',
      subject: 'Salary',
      singleValueExtendedProperties: [{ id: 'Integer 0x36', value: '3' }],
    });
    const result = reconcileMailPage(
      page([item(confidential), { kind: 'invalid', id: 'y', problem: 'toRecipients: bad' }], 2),
      ctx(),
    );
    assert.deepEqual(result.counts, {
      filed: 0,
      removed: 0,
      skipped: { confidential: 1, invalid: 1 },
      rejected: 2,
    });
    const skip = result.ops.find((op) => op.kind === 'sync_skip.record' && op.graphId === 'x');
    assert.ok(skip?.kind === 'sync_skip.record' && skip.resource === 'mail:inbox');
    assert.ok(!skip.summary.includes('Salary'));
    assert.match(skip.summary, /priya\.patel@example\.com/);

    const store = new StoreModel().apply(result.ops);
    const relabelled = {
      ...confidential,
      // The property removed: Graph answers an expand of an unset property with an empty list.
      singleValueExtendedProperties: [],
      lastModifiedDateTime: '2025-03-05T00:00:00Z',
    };
    store.apply(reconcileMailPage(page([item(relabelled)]), ctx()).ops);
    assert.deepEqual([...store.skips.keys()], ['acct-alice|mail:inbox|y']);
  });

  it('never files a message whose sensitivity Graph did not send, and records why', () => {
    const unknown = message({ id: 'u', singleValueExtendedProperties: undefined });
    const result = reconcileMailPage(page([item(unknown)]), ctx());
    assert.deepEqual(result.counts, {
      filed: 0,
      removed: 0,
      skipped: { sensitivity_unknown: 1 },
      rejected: 0,
    });
    assert.deepEqual(
      result.ops.map((op) => op.kind),
      ['sync_skip.record'],
    );
  });

  it('passes over mail received before the history window without filing or recording it', () => {
    const old = message({ id: 'old', receivedDateTime: '2024-12-31T23:59:59Z' });
    const edge = message({ id: 'edge', receivedDateTime: '2025-01-01T00:00:00Z' });
    const result = reconcileMailPage(page([item(old), item(edge)]), ctx());
    assert.equal(result.counts.filed, 1);
    assert.deepEqual(result.counts.skipped, {});
    const owners = result.ops.filter((op) => op.kind === 'mail_item_owner.upsert');
    assert.deepEqual(
      owners.map((op) => op.kind === 'mail_item_owner.upsert' && op.graphMessageId),
      ['edge'],
    );
  });

  it('refuses an item without a usable version instead of guessing its order', () => {
    const result = reconcileMailPage(page([item(message({ id: 'a', lastModifiedDateTime: 'soon' }))]), ctx());
    assert.deepEqual(result.counts.skipped, { invalid: 1 });
    assert.ok(result.ops.every((op) => op.kind === 'sync_skip.record'));
  });

  it('converges to the newest copies whatever the paging, replays and order', () => {
    const copy = fc.record(
      {
        id: fc.constantFrom('m1', 'm2', 'm3'),
        day: fc.integer({ min: 1, max: 9 }),
        subject: fc.constantFrom('a', 'b', 'c'),
        contact: fc.boolean(),
      },
      { noNullPrototype: true },
    );
    // Copies differ in what Outlook lets change (subject here); recipients of a sent message are
    // fixed, and contact links are add-only by design, so they vary by message, not by copy.
    const toMessage = (c: { id: string; day: number; subject: string }) =>
      message({
        id: c.id,
        subject: `${c.subject}${c.day}`,
        lastModifiedDateTime: `2025-03-0${c.day}T10:00:00Z`,
        ccRecipients: c.id === 'm3' ? [] : [to('tom.becker@northwind.example')],
      });
    // Same id and day stand for the same copy of a message, as Graph would send it again in a replay.
    const scenario = fc
      .uniqueArray(copy, { minLength: 1, maxLength: 8, selector: (c) => `${c.id}|${c.day}` })
      .chain((distinct) =>
        fc.tuple(
          fc.constant(distinct),
          fc
            .array(fc.constantFrom(...distinct), { maxLength: 8 })
            .chain((replays) =>
              fc.shuffledSubarray([...distinct, ...replays], { minLength: distinct.length + replays.length }),
            ),
          fc.integer({ min: 1, max: 4 }),
        ),
      );
    fc.assert(
      fc.property(scenario, ([distinct, stream, pageSize]) => {
        const store = new StoreModel();
        for (let i = 0; i < stream.length; i += pageSize) {
          store.apply(
            reconcileMailPage(page(stream.slice(i, i + pageSize).map((c) => item(toMessage(c)))), ctx()).ops,
          );
        }
        // The reference is a perfect sync: each copy once, oldest first, one page each.
        const reference = new StoreModel();
        for (const c of [...distinct].sort((a, b) => a.day - b.day)) {
          reference.apply(reconcileMailPage(page([item(toMessage(c))]), ctx()).ops);
        }
        assert.equal(store.snapshot(), reference.snapshot());
      }),
    );
  });
});
