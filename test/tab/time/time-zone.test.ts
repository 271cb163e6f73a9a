import assert from 'node:assert/strict';
import { localDayKey, usableTimeZone, utcOffsetMinutes } from '../../../tab/src/time/time-zone.js';

describe('the user’s time zone (tab/src/time/time-zone.ts)', function () {
  it('gives the offset east of UTC, following summer time', function () {
    assert.equal(utcOffsetMinutes('Asia/Kolkata', new Date('2026-12-06T03:00:00Z')), 330);
    assert.equal(utcOffsetMinutes('Europe/London', new Date('2026-01-15T12:00:00Z')), 0);
    assert.equal(utcOffsetMinutes('Europe/London', new Date('2026-07-15T12:00:00Z')), 60);
    assert.equal(utcOffsetMinutes('America/Los_Angeles', new Date('2026-12-06T03:00:00Z')), -480);
  });

  it('names the calendar day in that zone', function () {
    // 20:00 UTC on the 5th is already the 6th in Kolkata and still the 5th in Los Angeles.
    const at = new Date('2026-12-05T20:00:00Z');
    assert.equal(localDayKey(at, 'Asia/Kolkata'), '2026-12-06');
    assert.equal(localDayKey(at, 'America/Los_Angeles'), '2026-12-05');
  });

  it('keeps a zone Intl knows and falls back to the browser’s for none or an unknown one', function () {
    assert.equal(usableTimeZone('Pacific/Auckland'), 'Pacific/Auckland');
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    assert.equal(usableTimeZone(undefined), own);
    assert.equal(usableTimeZone('Not/AZone'), own);
  });
});
