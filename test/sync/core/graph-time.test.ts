import assert from 'node:assert/strict';
import { graphTimestampToIso, parseGraphTimestamp } from '../../../bot/sync/core/graph-time.js';

describe('sync/core/graph-time', () => {
  it('reads seven fractional digits, with or without a zone', () => {
    assert.equal(graphTimestampToIso('2022-01-27T09:48:41.4245981Z'), '2022-01-27T09:48:41.424Z');
    assert.equal(graphTimestampToIso('2025-03-10T09:00:00.0000000'), '2025-03-10T09:00:00.000Z');
    assert.equal(graphTimestampToIso('2025-03-10T09:00:00+01:00'), '2025-03-10T08:00:00.000Z');
  });

  it('refuses what is not a timestamp', () => {
    for (const bad of ['', 'yesterday', '2025-13-40T99:00:00Z', '2025-03-10', null, 17]) {
      assert.equal(parseGraphTimestamp(bad), null, String(bad));
    }
  });

  it('gives exactly what Date would for every UTC edge: rolled-over days and hours, leap years, odd fractions', () => {
    const days = ['01', '09', '10', '19', '28', '29', '30', '31'];
    const months = ['01', '02', '04', '12'];
    const hours = ['00', '09', '23', '24'];
    for (const year of ['0000', '1999', '2023', '2024', '2100', '9999'])
      for (const month of months)
        for (const day of days)
          for (const hour of hours)
            for (const tail of ['', 'Z', '.5Z', '.1234567', '.9999999Z']) {
              const value = `${year}-${month}-${day}T${hour}:59:59${tail}`;
              const fraction = /\.(\d+)/.exec(tail)?.[1] ?? '';
              const ms = Date.parse(
                `${year}-${month}-${day}T${hour}:59:59.${fraction.padEnd(3, '0').slice(0, 3)}Z`,
              );
              const expected = Number.isNaN(ms) ? null : new Date(ms).toISOString();
              assert.equal(graphTimestampToIso(value), expected, value);
            }
    assert.equal(graphTimestampToIso('2024-02-30T10:00:00Z'), '2024-03-01T10:00:00.000Z');
    assert.equal(graphTimestampToIso('2024-01-31T24:00:00Z'), '2024-02-01T00:00:00.000Z');
    assert.equal(graphTimestampToIso('2024-01-01T23:60:00Z'), null);
  });
});
