import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_SCHEDULE_SETTINGS as S,
  isDue,
  newSchedule,
  onNotification,
  onRunFinished,
  onRunStarted,
  pollDelay,
} from '../../../bot/sync/core/scheduling.js';

const T = 1_750_000_000_000;
const idle = { dueAt: T + 300_000, notBefore: 0, running: false, rerunRequested: false };

describe('sync/core/scheduling', () => {
  it('polls an interval later, within the jitter bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        const next = onRunFinished(onRunStarted(newSchedule(T)), T, { kind: 'completed' }, S, () => r);
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

  it('a notification makes the account due within a second, and a burst coalesces into one run', () => {
    let s = onNotification(idle, T, S);
    assert.ok(!isDue(s, T) && isDue(s, T + 1000));
    s = onNotification(s, T + 100, S);
    s = onNotification(s, T + 200, S);
    assert.equal(s.dueAt, T + S.notificationDelayMs);
  });

  it('a notification during a run asks for a rerun right after it', () => {
    const running = onNotification(onRunStarted({ ...idle, dueAt: T }), T + 10, S);
    assert.ok(running.rerunRequested && !isDue(running, T + 10));
    const after = onRunFinished(running, T + 5000, { kind: 'completed' }, S, () => 0.5);
    assert.equal(after.dueAt, T + 5000 + S.notificationDelayMs);
  });

  it('nothing is due before Retry-After, notifications included', () => {
    const throttled = onRunFinished(
      onRunStarted(idle),
      T,
      { kind: 'throttled', notBefore: T + 60_000 },
      S,
      () => 0,
    );
    const poked = onNotification(throttled, T + 1, S);
    assert.ok(!isDue(poked, T + 59_999));
    assert.ok(isDue(poked, T + 60_000));
  });

  it('backs off after failures and stops when the account is stopped', () => {
    const failed = onRunFinished(
      onRunStarted(idle),
      T,
      { kind: 'failed', consecutiveFailures: 3 },
      S,
      () => 0.999,
    );
    assert.ok((failed.dueAt ?? 0) - T < S.failureBaseDelayMs * 4);
    const stopped = onRunFinished(onRunStarted(idle), T, { kind: 'stopped' }, S, () => 0);
    assert.equal(stopped.dueAt, null);
    assert.ok(!isDue(stopped, T + 10 ** 9));
  });
});
