import assert from 'node:assert/strict';
import {
  fromFlag,
  fromJsonText,
  newId,
  newTimeOrderedId,
  nowIso,
  toFlag,
  toIso,
  toJsonText,
} from '../../bot/store/columns.js';

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

  it('makes time-ordered ids in the UUIDv7 layout: creation time first, so later ids sort after earlier ones', function () {
    const at = Date.UTC(2026, 11, 6, 9, 0, 0, 0);
    const id = newTimeOrderedId(at);
    // RFC 9562: 48 bits of Unix milliseconds, version 7, variant 10, random bits after.
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16), at);
    assert.notEqual(newTimeOrderedId(at), newTimeOrderedId(at));
    const later = [at + 1, at + 1000, at + 86_400_000].map((t) => newTimeOrderedId(t));
    for (const next of later) assert.ok(next > id, `${next} sorts after ${id}`);
  });
});
