import assert from 'node:assert/strict';
import type { DeltaEntry, DeltaPage } from '../../../bot/sync/core/delta-page.js';
import { type DiaryPageContext, reconcileDiaryPage } from '../../../bot/sync/core/diary-reconcile.js';
import type { DeltaEvent, SeriesMaster } from '../../../bot/sync/core/graph-items.js';
import { event, filingContext, to } from './fixtures.js';
import { StoreModel } from './store-model.js';

const page = (entries: DeltaEntry<DeltaEvent>[]): DeltaPage<DeltaEvent> => ({
  entries,
  rejected: [],
  nextLink: null,
  deltaLink: 'https://graph.example/v1.0/delta',
});
const item = (e: DeltaEvent): DeltaEntry<DeltaEvent> => ({ kind: 'item', id: e.id, item: e });
const MARCH = { start: '2025-03-01T00:00:00.000Z', end: '2025-04-01T00:00:00.000Z' };

/** The series master as GET /me/events/{id}?$select=... returns it. */
const MASTER: SeriesMaster = {
  id: 'master',
  type: 'seriesMaster',
  iCalUId: 'series-uid',
  lastModifiedDateTime: '2025-02-20T10:00:00Z',
  subject: 'Weekly check-in',
  organizer: to('alice.smith@contoso.com'),
  isOrganizer: true,
  attendees: [{ ...to('tom.becker@northwind.example', 'Tom Becker'), type: 'required' }],
  sensitivity: 'normal',
};

const ctx = (
  options: {
    accountId?: string;
    own?: string;
    masters?: [string, SeriesMaster | null][];
    instances?: [string, string[]][];
  } = {},
): DiaryPageContext => ({
  ...filingContext(options.own ?? 'alice.smith@contoso.com'),
  tenantId: 'contoso',
  accountId: options.accountId ?? 'acct-alice',
  window: MARCH,
  series: {
    masters: new Map(options.masters ?? [['master', MASTER]]),
    instances: new Map(options.instances ?? []),
  },
});

/**
 * An occurrence as calendarView delta sends it: stripped to id, type, seriesMasterId, start and end
 * (microsoft-graph-docs-contrib#5602, #34).
 */
function occurrence(id: string, day: string): DeltaEvent {
  return {
    id,
    type: 'occurrence',
    seriesMasterId: 'master',
    start: { dateTime: `2025-03-${day}T09:00:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `2025-03-${day}T10:00:00.0000000`, timeZone: 'UTC' },
  };
}

const KEY = (day: string) => `contoso|series-uid|2025-03-${day}T09:00:00.000Z`;

describe('sync/core/diary-reconcile', () => {
  it('files each stripped occurrence with its series master’s subject and people', () => {
    const store = new StoreModel();
    const result = reconcileDiaryPage(
      page([item(occurrence('o1', '03')), item(occurrence('o2', '10')), item(occurrence('o3', '17'))]),
      ctx(),
    );
    store.apply(result.ops);
    assert.deepEqual([...store.diaryItems.keys()].sort(), [KEY('03'), KEY('10'), KEY('17')]);
    const entry = store.diaryItems.get(KEY('10'))!.fields as { subject: string; organizer: string };
    assert.equal(entry.subject, 'Weekly check-in');
    assert.equal(entry.organizer, 'alice.smith@contoso.com');
    assert.equal(store.diaryContacts.size, 3, 'Tom Becker on every occurrence');
    assert.equal(result.counts.filed, 3);
  });

  it('an occurrence moved to another day (an exception) stays one entry, keyed by its original start', () => {
    const store = new StoreModel();
    store.apply(reconcileDiaryPage(page([item(occurrence('o2', '10'))]), ctx()).ops);
    const moved = event({
      id: 'o2',
      iCalUId: 'occurrence-uid-of-o2',
      type: 'exception',
      seriesMasterId: 'master',
      originalStart: '2025-03-10T09:00:00Z',
      lastModifiedDateTime: '2025-03-05T00:00:00Z',
      subject: 'Weekly check-in (moved)',
      start: { dateTime: '2025-03-11T14:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2025-03-11T15:00:00.0000000', timeZone: 'UTC' },
    });
    store.apply(reconcileDiaryPage(page([item(moved)]), ctx()).ops);
    assert.equal(store.diaryItems.size, 1);
    const entry = store.diaryItems.get(KEY('10'))!.fields as { startAt: string; subject: string };
    assert.equal(entry.startAt, '2025-03-11T14:00:00.000Z');
    assert.equal(entry.subject, 'Weekly check-in (moved)');
  });

  it('a change to the series (a newer master) updates every occurrence already filed', () => {
    const store = new StoreModel();
    store.apply(reconcileDiaryPage(page([item(occurrence('o1', '03'))]), ctx()).ops);
    const renamed = {
      ...MASTER,
      subject: 'Fortnightly check-in',
      lastModifiedDateTime: '2025-02-25T10:00:00Z',
    };
    store.apply(
      reconcileDiaryPage(page([item(occurrence('o1', '03'))]), ctx({ masters: [['master', renamed]] })).ops,
    );
    assert.equal(
      (store.diaryItems.get(KEY('03'))!.fields as { subject: string }).subject,
      'Fortnightly check-in',
    );
  });

  it('a listed series master is the occurrences’ source, neither an entry nor a skip', () => {
    const result = reconcileDiaryPage(
      page([item(event({ ...MASTER, id: 'master' })), item(occurrence('o1', '03'))]),
      ctx(),
    );
    assert.equal(result.counts.filed, 1);
    assert.deepEqual(result.counts.skipped, {});
  });

  it('an occurrence whose series master Graph did not return is an invalid skip', () => {
    const result = reconcileDiaryPage(
      page([item(occurrence('o1', '03'))]),
      ctx({ masters: [['master', null]] }),
    );
    assert.deepEqual(result.counts.skipped, { invalid: 1 });
    assert.equal(result.counts.filed, 0);
  });

  it('a deleted occurrence marks only that occurrence removed for this account', () => {
    const store = new StoreModel();
    store.apply(
      reconcileDiaryPage(page([item(occurrence('o1', '03')), item(occurrence('o2', '10'))]), ctx()).ops,
    );
    const removal = reconcileDiaryPage(page([{ kind: 'removed', id: 'o2', reason: 'deleted' }]), ctx());
    assert.deepEqual(removal.ops, [
      { kind: 'diary_item_owner.removed', accountId: 'acct-alice', graphEventId: 'o2', window: MARCH },
    ]);
    store.apply(removal.ops);
    assert.equal(store.diaryOwners.get('acct-alice|o2')?.removed, true);
    assert.equal(store.diaryOwners.get('acct-alice|o1')?.removed, false);
    assert.equal(store.diaryItems.size, 2);
  });

  // "event: delta": changes outside the window come as @removed; the client filters them by date.
  it('a removal reported for an entry that slid out of the window leaves it attached', () => {
    const store = new StoreModel();
    const february = event({
      id: 'old',
      start: { dateTime: '2025-02-20T09:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2025-02-20T10:00:00.0000000', timeZone: 'UTC' },
    });
    store.apply(reconcileDiaryPage(page([item(february)]), ctx()).ops);
    store.apply(reconcileDiaryPage(page([{ kind: 'removed', id: 'old', reason: 'deleted' }]), ctx()).ops);
    assert.equal(store.diaryOwners.get('acct-alice|old')?.removed, false);
  });

  // microsoftgraph/microsoft-graph-docs#4501: a cancelled occurrence may come with no @removed at all.
  it('an occurrence the re-listed series no longer has is marked removed', () => {
    const store = new StoreModel();
    store.apply(
      reconcileDiaryPage(page([item(occurrence('o1', '03')), item(occurrence('o2', '10'))]), ctx()).ops,
    );
    const relisted = reconcileDiaryPage(
      page([item(occurrence('o1', '03'))]),
      ctx({ instances: [['master', ['o1']]] }),
    );
    store.apply(relisted.ops);
    assert.equal(store.diaryOwners.get('acct-alice|o2')?.removed, true);
    assert.equal(store.diaryOwners.get('acct-alice|o1')?.removed, false);
  });

  it('one meeting in two calendars is one entry with two owners', () => {
    const meeting = {
      iCalUId: 'meet-1',
      organizer: to('alice.smith@contoso.com'),
      attendees: [to('dan.morgan@contoso.com'), to('tom.becker@northwind.example')],
    };
    const store = new StoreModel();
    store.apply(reconcileDiaryPage(page([item(event({ id: 'alice-ev', ...meeting }))]), ctx()).ops);
    store.apply(
      reconcileDiaryPage(
        page([item(event({ id: 'dan-ev', ...meeting, isOrganizer: false }))]),
        ctx({ accountId: 'acct-dan', own: 'dan.morgan@contoso.com' }),
      ).ops,
    );
    assert.equal(store.diaryItems.size, 1);
    assert.deepEqual([...store.diaryOwners.entries()].map(([k, o]) => `${k}:${o.role}`).sort(), [
      'acct-alice|alice-ev:organizer',
      'acct-dan|dan-ev:attendee',
    ]);
  });

  it('records malformed events as invalid skips', () => {
    const result = reconcileDiaryPage(
      page([
        item(
          event({ id: 'tz', start: { dateTime: '2025-03-10T09:00:00', timeZone: 'Pacific Standard Time' } }),
        ),
        item(event({ id: 'nouid', iCalUId: null })),
        item({ ...occurrence('orphan', '05'), seriesMasterId: 'gone' }),
        item(event({ id: 'back', end: { dateTime: '2025-03-09T09:00:00', timeZone: 'UTC' } })),
      ]),
      ctx(),
    );
    assert.deepEqual(result.counts.skipped, { invalid: 4 });
    assert.ok(result.ops.every((op) => op.kind === 'sync_skip.record' && op.resource === 'diary'));
  });

  it('the same page twice gives the same ops and the same state', () => {
    const p = page([
      item(occurrence('o1', '03')),
      { kind: 'removed', id: 'x', reason: 'changed' },
      item(event({ id: 'e', attendees: [] })),
    ]);
    const first = reconcileDiaryPage(p, ctx());
    assert.deepEqual(reconcileDiaryPage(p, ctx()), first);
    const once = new StoreModel().apply(first.ops).snapshot();
    assert.equal(new StoreModel().apply(first.ops).apply(first.ops).snapshot(), once);
  });
});
