import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_SCHEDULE_SETTINGS as S,
  onRunFinished,
  pollDelay,
} from '../../../bot/sync/core/scheduling.js';

const T = 1_750_000_000_000;
const running = { dueAt: null, notBefore: 0, running: true, rerunRequested: false };

describe('sync/core/scheduling', () => {
  it('polls an interval later, within the jitter bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        const next = onRunFinished(running, T, { kind: 'completed' }, S, () => r);
        const delay = (next.dueAt ?? 0) - T;
        assert.ok(
          delay >= S.pollIntervalMs * (1 - S.pollJitter) && delay <= S.pollIntervalMs * (1 + S.pollJitter),
        );
      }),
    );
    assert.equal(
      pollDelay(S, () => 0.5),
      S.pollIntervalMs,
    );
  });

  it('a request during a run asks for a rerun right after it', () => {
    const after = onRunFinished({ ...running, rerunRequested: true }, T, { kind: 'completed' }, S, () => 0.5);
    assert.equal(after.dueAt, T + S.notificationDelayMs);
    assert.ok(!after.running && !after.rerunRequested);
  });

  it('nothing is due before Retry-After, a requested rerun included', () => {
    const throttled = onRunFinished(
      { ...running, rerunRequested: true },
      T,
      { kind: 'throttled', notBefore: T + 60_000 },
      S,
      () => 0,
    );
    assert.equal(throttled.dueAt, T + 60_000);
    assert.equal(throttled.notBefore, T + 60_000);
  });

  it('backs off after failures and stops when the account is stopped', () => {
    const failed = onRunFinished(running, T, { kind: 'failed', consecutiveFailures: 3 }, S, () => 0.999);
    assert.ok((failed.dueAt ?? 0) - T < S.failureBaseDelayMs * 4);
    const stopped = onRunFinished(running, T, { kind: 'stopped' }, S, () => 0);
    assert.equal(stopped.dueAt, null);
  });
});
