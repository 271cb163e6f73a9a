import assert from 'node:assert/strict';
import { hourKey, hourStarts, startOfLocalDay } from '../../bot/sync-health/time-window.js';

describe('health time window (bot/sync-health/time-window)', function () {
  it('lists 168 hour starts ending with the current hour', function () {
    const hours = hourStarts(new Date('2025-03-03T12:34:56.000Z'));
    assert.equal(hours.length, 168);
    assert.equal(hours.at(-1), '2025-03-03T12:00:00.000Z');
    assert.equal(hours[0], '2025-02-24T13:00:00.000Z');
    assert.equal(hourKey(hours.at(-1) ?? ''), '2025-03-03T12');
  });

  it('starts "today" at the viewer’s midnight', function () {
    const now = new Date('2025-03-03T01:30:00.000Z');
    assert.equal(startOfLocalDay(now, 0), '2025-03-03T00:00:00.000Z');
    // New York (UTC-5) is still on 2 March at 01:30 UTC.
    assert.equal(startOfLocalDay(now, -300), '2025-03-02T05:00:00.000Z');
    // Auckland (UTC+13) is already on 3 March since 11:00 UTC the day before.
    assert.equal(startOfLocalDay(now, 780), '2025-03-02T11:00:00.000Z');
  });
});
