import assert from 'node:assert/strict';
import { MailboxStore } from '../../../emulator/graph/mailbox-store.js';
import type { MailboxSeed } from '../../../emulator/graph/seed-schema.js';

const USER = 'a1000000-0000-4000-8000-000000000001';
const NOW = Date.parse('2025-03-10T12:00:00Z');

function seed(): MailboxSeed {
  return {
    messages: [
      {
        folder: 'inbox',
        subject: 'Updated CV',
        from: 'priya.patel@example.com',
        to: ['alice.smith@contoso.com'],
        cc: [],
        bcc: [],
        body: 'Attached',
        bodyType: 'text',
        receivedDaysAgo: 3,
        time: '09:15',
        isRead: true,
        isDraft: false,
        importance: 'normal',
        sensitivity: 'private',
        hasAttachments: true,
        categories: [],
      },
    ],
    events: [],
  };
}

describe('MailboxStore', () => {
  it('loads a seed with dates relative to now', () => {
    const store = new MailboxStore(() => NOW);
    store.loadSeed(USER, seed());
    const box = store.mailbox(USER);
    const [key] = box.messages.keysIn('inbox');
    const record = box.messages.get(key!)!;
    assert.equal(record.fields.receivedDateTime, '2025-03-07T09:15:00Z');
    assert.equal(record.sensitivity, 'private');
    assert.equal(record.fields.from?.emailAddress?.address, 'priya.patel@example.com');
  });

  it('rejects a bad seed with a message naming the field, and keeps the old mailbox', () => {
    const store = new MailboxStore(() => NOW);
    store.loadSeed(USER, seed());
    const bad = { messages: [{ ...seed().messages[0], folder: 'junk' }] };
    assert.throws(() => store.loadSeed(USER, bad), /messages\.0\.folder/);
    assert.equal(store.mailbox(USER).messages.size, 1);
    const badEvent = {
      events: [
        {
          subject: 'x',
          organizer: 'a@b.example',
          recurrence: { type: 'weekly', count: 2 },
          cancelledOccurrences: [5],
        },
      ],
    };
    assert.throws(() => store.loadSeed(USER, badEvent), /events\.0: the series has no occurrence number 5/);
    assert.equal(store.mailbox(USER).messages.size, 1);
  });

  it('gives regular ids that change on a move and immutable ids that do not', () => {
    const store = new MailboxStore(() => NOW);
    store.loadSeed(USER, seed());
    const box = store.mailbox(USER);
    const record = box.messages.get(box.messages.keysIn('inbox')[0]!)!;
    const before = box.messages.ids(record);
    assert.notEqual(before.regular, before.immutable);
    assert.equal(box.messages.find(before.regular)?.key, record.key);
    box.messages.move(record.key, 'archive', NOW);
    const after = box.messages.ids(box.messages.get(record.key)!);
    assert.equal(after.immutable, before.immutable);
    assert.notEqual(after.regular, before.regular);
    assert.equal(box.messages.find(before.regular), undefined, 'a pre-move regular id no longer resolves');
    assert.equal(box.messages.find(after.regular)?.folder, 'archive');
    assert.equal(box.messages.find(before.immutable)?.folder, 'archive');
    assert.deepEqual(box.messages.keysIn('inbox'), []);
  });

  it('does not resolve another mailbox’s ids', () => {
    const store = new MailboxStore(() => NOW);
    store.loadSeed(USER, seed());
    store.loadSeed('b2000000-0000-4000-8000-000000000001', seed());
    const mine = store.mailbox(USER);
    const id = mine.messages.ids(mine.messages.get(mine.messages.keysIn('inbox')[0]!)!).immutable;
    assert.equal(store.mailbox('b2000000-0000-4000-8000-000000000001').messages.find(id), undefined);
  });

  it('tells change listeners about live changes, not about seeding, and forgets everything on reset', () => {
    const store = new MailboxStore(() => NOW);
    const heard: string[] = [];
    let resets = 0;
    store.onChange((_user, change) => heard.push(`${change.kind}:${change.changeType}:${change.folder}`));
    store.onReset(() => resets++);
    store.loadSeed(USER, seed());
    assert.deepEqual(heard, []);
    const box = store.mailbox(USER);
    const key = box.messages.keysIn('inbox')[0]!;
    box.messages.update(key, { isRead: false }, undefined, NOW);
    box.messages.move(key, 'deleteditems', NOW);
    box.messages.delete(key);
    assert.deepEqual(heard, [
      'message:updated:inbox',
      'message:deleted:inbox',
      'message:created:deleteditems',
      'message:deleted:deleteditems',
    ]);
    store.reset();
    assert.equal(resets, 1);
    assert.equal(store.mailbox(USER).messages.size, 0);
  });

  it('generates the same mailbox from the same seed, at benchmark size too', () => {
    const a = new MailboxStore(() => NOW);
    const b = new MailboxStore(() => NOW);
    a.generate(USER, { messages: 200, events: 20, seed: 7, ownerAddress: 'alice.smith@contoso.com' });
    b.generate(USER, { messages: 200, events: 20, seed: 7, ownerAddress: 'alice.smith@contoso.com' });
    const subjects = (s: MailboxStore) => [...s.mailbox(USER).messages.all()].map((m) => m.fields.subject);
    assert.deepEqual(subjects(a), subjects(b));
    assert.ok(
      [...a.mailbox(USER).calendar.all()].some((e) => e.fields.recurrence),
      'some events recur',
    );

    const big = new MailboxStore(() => NOW).generate(USER, {
      messages: 50_000,
      events: 500,
      seed: 1,
      ownerAddress: 'alice.smith@contoso.com',
    });
    assert.equal(big.messages.size, 50_000);
    assert.equal(big.calendar.size, 500);
  });
});
