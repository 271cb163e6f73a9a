import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeltaEntry } from '../../../bot/sync/core/delta-page.js';
import { latestEntryPerId } from '../../../bot/sync/core/page-entries.js';

type Item = { v: string; s: string };
const version = (i: Item) => i.v;

describe('sync/core/page-entries', () => {
  it('keeps one entry per id: live beats removed beats invalid, newest version wins', () => {
    const entries: DeltaEntry<Item>[] = [
      { kind: 'removed', id: 'a', reason: 'deleted' },
      { kind: 'item', id: 'a', item: { v: '2', s: 'new' } },
      { kind: 'item', id: 'a', item: { v: '1', s: 'old' } },
      { kind: 'invalid', id: 'b', problem: 'bad' },
      { kind: 'removed', id: 'b', reason: 'changed' },
    ];
    assert.deepEqual(latestEntryPerId(entries, version), [
      { kind: 'item', id: 'a', item: { v: '2', s: 'new' } },
      { kind: 'removed', id: 'b', reason: 'changed' },
    ]);
  });

  it('does not depend on the order of the page', () => {
    const plain = { noNullPrototype: true };
    const id = fc.constantFrom('a', 'b');
    const item = fc.record({ v: fc.constantFrom('1', '2'), s: fc.string() }, plain);
    const entry = fc.oneof(
      fc.record({ kind: fc.constant('item' as const), id, item }, plain),
      fc.record(
        {
          kind: fc.constant('removed' as const),
          id,
          reason: fc.constantFrom('deleted' as const, 'changed' as const),
        },
        plain,
      ),
    );
    fc.assert(
      fc.property(
        fc
          .array(entry, { maxLength: 8 })
          .chain((xs) =>
            fc.tuple(
              fc.constant(xs),
              fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }),
            ),
          ),
        ([page, shuffled]) => {
          assert.deepEqual(latestEntryPerId(shuffled, version), latestEntryPerId(page, version));
        },
      ),
    );
  });
});
