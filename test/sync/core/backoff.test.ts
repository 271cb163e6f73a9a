import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fullJitterDelay, parseRetryAfter } from '../../../bot/sync/core/backoff.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const POLICY = { baseDelayMs: 1000, maxDelayMs: 60_000 };

describe('sync/core/backoff', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('30', NOW), 30_000);
    assert.equal(parseRetryAfter('Sun, 15 Jun 2025 12:01:00 GMT', NOW), 60_000);
    assert.equal(parseRetryAfter('Sun, 15 Jun 2025 11:00:00 GMT', NOW), 0);
    for (const bad of [undefined, null, '', '-5', '1.5', 'soon'])
      assert.equal(parseRetryAfter(bad, NOW), null, String(bad));
  });

  it('keeps full-jitter delays within [0, min(cap, base·2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = fullJitterDelay(attempt, POLICY, () => r);
          const ceiling = Math.min(POLICY.maxDelayMs, POLICY.baseDelayMs * 2 ** attempt);
          assert.ok(delay >= 0 && delay < ceiling);
        },
      ),
    );
    assert.equal(
      fullJitterDelay(3, POLICY, () => 0.5),
      4000,
    );
  });
});
