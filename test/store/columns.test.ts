import assert from 'node:assert/strict';
import { fromFlag, fromJsonText, newId, nowIso, toFlag, toIso, toJsonText } from '../../bot/store/columns.js';

describe('store columns', function () {
  it('writes timestamps as fixed-width ISO-8601 UTC so text order is time order', function () {
    assert.match(nowIso(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(toIso(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), '2025-01-02T03:04:05.006Z');
    assert.ok(toIso(new Date(Date.UTC(2025, 0, 1, 0, 0, 0, 999))) < toIso(Date.UTC(2025, 0, 1, 0, 0, 1, 0)));
  });

  it('refuses an invalid date instead of writing "Invalid Date"', function () {
    assert.throws(() => toIso(new Date('not a date')), RangeError);
  });

  it('round-trips flags and JSON', function () {
    assert.equal(toFlag(true), 1);
    assert.equal(toFlag(false), 0);
    assert.equal(fromFlag(1), true);
    assert.equal(fromFlag(0), false);
    const value = { a: [1, 'two', null], b: { c: true } };
    assert.deepEqual(fromJsonText(toJsonText(value)), value);
  });

  it('makes distinct ids', function () {
    assert.notEqual(newId(), newId());
  });
});
