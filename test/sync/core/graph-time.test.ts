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
});
