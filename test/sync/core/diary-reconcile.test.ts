import assert from 'node:assert/strict';
import type { DeltaEntry, DeltaPage } from '../../../bot/sync/core/delta-page.js';
import { type DiaryPageContext, reconcileDiaryPage } from '../../../bot/sync/core/diary-reconcile.js';
import type { DeltaEvent } from '../../../bot/sync/core/graph-items.js';
import { event, filingContext, to } from './fixtures.js';
import { StoreModel } from './store-model.js';

const page = (entries: DeltaEntry<DeltaEvent>[]): DeltaPage<DeltaEvent> => ({
  entries,
  rejected: [],
  nextLink: null,
  deltaLink: 'https://graph.example/v1.0/delta',
});
const item = (e: DeltaEvent): DeltaEntry<DeltaEvent> => ({ kind: 'item', id: e.id, item: e });
const ctx = (accountId = 'acct-alice', own = 'alice.smith@contoso.com'): DiaryPageContext => ({
  ...filingContext(own),
  tenantId: 'contoso',
  accountId,
});

/** A weekly series: occurrences share the series' iCalUId here, so only the start tells them apart. */
function occurrence(id: string, day: string, overrides: Partial<DeltaEvent> = {}): DeltaEvent {
  return event({
    id,
    iCalUId: 'series-uid',
    type: 'occurrence',
    seriesMasterId: 'master',
    originalStart: `2025-03-${day}T09:00:00Z`,
    start: { dateTime: `2025-03-${day}T09:00:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `2025-03-${day}T10:00:00.0000000`, timeZone: 'UTC' },
    ...overrides,
  });
}

describe('sync/core/diary-reconcile', () => {
  it('files each occurrence of a recurring meeting as its own entry, with a cancelled one marked', () => {
    const store = new StoreModel();
    const result = reconcileDiaryPage(
      page([
        item(occurrence('o1', '03')),
        item(occurrence('o2', '10', { isCancelled: true })),
        item(occurrence('o3', '17')),
      ]),
      ctx(),
    );
    store.apply(result.ops);
    assert.deepEqual([...store.diaryItems.keys()].sort(), [
      'contoso|series-uid|2025-03-03T09:00:00.000Z',
      'contoso|series-uid|2025-03-10T09:00:00.000Z',
      'contoso|series-uid|2025-03-17T09:00:00.000Z',
    ]);
    const cancelled = store.diaryItems.get('contoso|series-uid|2025-03-10T09:00:00.000Z');
    assert.equal((cancelled?.fields as { isCancelled: boolean }).isCancelled, true);
    assert.equal(store.diaryContacts.size, 3);
    assert.equal(result.counts.filed, 3);
  });

  it('an exception moved to another day updates its occurrence rather than adding one', () => {
    const store = new StoreModel();
    store.apply(reconcileDiaryPage(page([item(occurrence('o2', '10'))]), ctx()).ops);
    const moved = occurrence('o2', '10', {
      type: 'exception',
      lastModifiedDateTime: '2025-03-05T00:00:00Z',
      start: { dateTime: '2025-03-11T14:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2025-03-11T15:00:00.0000000', timeZone: 'UTC' },
    });
    store.apply(reconcileDiaryPage(page([item(moved)]), ctx()).ops);
    assert.equal(store.diaryItems.size, 1);
    const entry = store.diaryItems.get('contoso|series-uid|2025-03-10T09:00:00.000Z');
    assert.equal((entry?.fields as { startAt: string }).startAt, '2025-03-11T14:00:00.000Z');
  });

  it('a deleted occurrence marks only that occurrence removed for this account', () => {
    const store = new StoreModel();
    store.apply(
      reconcileDiaryPage(page([item(occurrence('o1', '03')), item(occurrence('o2', '10'))]), ctx()).ops,
    );
    const removal = reconcileDiaryPage(page([{ kind: 'removed', id: 'o2', reason: 'deleted' }]), ctx());
    assert.deepEqual(removal.ops, [
      { kind: 'diary_item_owner.removed', accountId: 'acct-alice', graphEventId: 'o2' },
    ]);
    store.apply(removal.ops);
    assert.equal(store.diaryOwners.get('acct-alice|o2')?.removed, true);
    assert.equal(store.diaryOwners.get('acct-alice|o1')?.removed, false);
    assert.equal(store.diaryItems.size, 2);
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
        ctx('acct-dan', 'dan.morgan@contoso.com'),
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
        item(event({ id: 'master', type: 'seriesMaster' })),
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
