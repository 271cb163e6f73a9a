import assert from 'node:assert/strict';
import { dayTicks } from '../../../tab/src/charts/day-ticks.js';

/** Hour starts (UTC) from `first`, `count` of them, as the health API sends them. */
function hours(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(first) + i * 3_600_000).toISOString());
}

describe('chart day labels (tab/src/charts/day-ticks.ts)', function () {
  it('labels each day once, in the user’s zone, never the partial first day nor a day after the data', function () {
    // 48 hours from Sat 5 Dec 2026 10:00 UTC. New York is UTC-5 in December: its midnights are at 05:00 UTC.
    const ticks = dayTicks(hours('2026-12-05T10:00:00Z', 48), 'America/New_York', 'en-GB');
    assert.deepEqual(ticks.labels, ['Sun 6', 'Mon 7']);
    assert.deepEqual(
      ticks.values.map((v) => v.toISOString()),
      ['2026-12-06T05:00:00.000Z', '2026-12-07T05:00:00.000Z'],
    );
  });

  it('puts a half-hour zone’s label on the first hour of its day (Kolkata, UTC+5:30)', function () {
    // Kolkata's midnight of Sun 6 Dec is 18:30 UTC on the 5th; the first hour start after it is 19:00 UTC.
    const ticks = dayTicks(hours('2026-12-05T12:00:00Z', 12), 'Asia/Kolkata', 'en-GB');
    assert.deepEqual(ticks.labels, ['Sun 6']);
    assert.deepEqual(
      ticks.values.map((v) => v.toISOString()),
      ['2026-12-05T19:00:00.000Z'],
    );
  });

  it('has no label for data within one day, and none for no data', function () {
    assert.deepEqual(dayTicks(hours('2026-12-06T01:00:00Z', 10), 'UTC').labels, []);
    assert.deepEqual(dayTicks([], 'UTC').labels, []);
  });
});
