import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_RETRY_POLICY,
  fullJitterDelay,
  parseRetryAfter,
  retryDecision,
} from '../../../bot/sync/core/backoff.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');

describe('sync/core/backoff', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('30', NOW), 30_000);
    assert.equal(parseRetryAfter('Sun, 15 Jun 2025 12:01:00 GMT', NOW), 60_000);
    assert.equal(parseRetryAfter('Sun, 15 Jun 2025 11:00:00 GMT', NOW), 0);
    for (const bad of [undefined, null, '', '-5', '1.5', 'soon'])
      assert.equal(parseRetryAfter(bad, NOW), null, String(bad));
  });

  it('never retries earlier than Retry-After', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(429, 503),
        fc.integer({ min: 0, max: 3600 }),
        fc.integer({ min: 0, max: 10 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (status, seconds, attempt, r) => {
          const decision = retryDecision(
            { status, retryAfter: String(seconds), attempt },
            NOW,
            DEFAULT_RETRY_POLICY,
            () => r,
          );
          assert.notEqual(decision.kind, 'fail');
          const delay =
            decision.kind === 'retry'
              ? decision.delayMs
              : decision.kind === 'give-up'
                ? decision.notBeforeMs
                : -1;
          assert.ok(delay >= seconds * 1000, `${delay} < ${seconds}s`);
          assert.ok(decision.kind !== 'fail' && decision.throttled);
        },
      ),
    );
  });

  it('keeps full-jitter delays within [0, min(cap, base·2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = fullJitterDelay(attempt, DEFAULT_RETRY_POLICY, () => r);
          const ceiling = Math.min(
            DEFAULT_RETRY_POLICY.maxDelayMs,
            DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** attempt,
          );
          assert.ok(delay >= 0 && delay < ceiling);
        },
      ),
    );
    assert.equal(
      fullJitterDelay(3, DEFAULT_RETRY_POLICY, () => 0.5),
      4000,
    );
  });

  it('backs off on 5xx, gives up after the last attempt, and does not retry other errors', () => {
    assert.deepEqual(
      retryDecision({ status: 502, attempt: 1 }, NOW, DEFAULT_RETRY_POLICY, () => 0.5),
      { kind: 'retry', delayMs: 1000, throttled: false },
    );
    assert.equal(
      retryDecision(
        { status: 500, attempt: DEFAULT_RETRY_POLICY.maxAttempts },
        NOW,
        DEFAULT_RETRY_POLICY,
        () => 0,
      ).kind,
      'give-up',
    );
    for (const status of [400, 401, 403, 404, 410]) {
      assert.deepEqual(
        retryDecision({ status, attempt: 0 }, NOW, DEFAULT_RETRY_POLICY, () => 0),
        { kind: 'fail' },
      );
    }
  });
});
