import assert from 'node:assert/strict';
import {
  diaryBaselineScope,
  listedIds,
  mailBaselineScope,
  nextGeneration,
} from '../../../bot/sync/core/baseline.js';

describe('sync core: baseline generations', function () {
  it('lists live and unreadable entries once each, never removals', function () {
    assert.deepEqual(
      listedIds([
        { kind: 'item', id: 'a', item: {} },
        { kind: 'item', id: 'a', item: {} },
        { kind: 'invalid', id: 'b', problem: 'bad shape' },
        { kind: 'removed', id: 'c', reason: 'deleted' },
      ]),
      ['a', 'b'],
    );
  });

  it('takes a generation above every one in use; the first is 1', function () {
    assert.equal(nextGeneration([]), 1);
    assert.equal(nextGeneration([null, null]), 1);
    assert.equal(nextGeneration([3, null, 7]), 8);
  });

  it('scopes a mail baseline to its folder and, with a day of margin, to its history filter', function () {
    const now = Date.parse('2025-06-01T12:00:00.000Z');
    assert.deepEqual(mailBaselineScope('inbox', now, 90), {
      kind: 'mail',
      folder: 'inbox',
      sentFrom: '2025-03-04T12:00:00.000Z',
    });
  });

  it('scopes a diary baseline to its window', function () {
    const window = { start: '2025-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' };
    assert.deepEqual(diaryBaselineScope(window), { kind: 'diary', ...window });
  });
});
