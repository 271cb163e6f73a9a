import assert from 'node:assert/strict';
import { clockTime, dateTime } from '../../tab/src/format.js';

describe('times on the tab (tab/src/format.ts)', function () {
  // Mocha runs in whatever locale the machine has: the day, the time and the zone's name are what count.
  it('shows a moment in the user’s zone and names the zone', function () {
    const at = '2026-12-05T20:15:00Z';
    assert.match(dateTime(at, 'Asia/Kolkata'), /(6 Dec|Dec 6),? 2026.*01:45.*GMT\+5:30/);
    assert.match(dateTime(at, 'America/New_York'), /(5 Dec|Dec 5),? 2026.*03:15.*(EST|GMT-5)/);
    assert.equal(dateTime(null, 'UTC'), '—');
    assert.match(clockTime(at, 'Asia/Kolkata'), /0?1:45:00.*GMT\+5:30/);
  });
});
