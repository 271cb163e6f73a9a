import assert from 'node:assert/strict';
import { whenDue } from '../../bot/sync/due-timer.js';

describe('sync/due-timer', function () {
  it('does not call before the clock reaches the due time, even when the timer fires early', async function () {
    // A clock that reads short once, when the timer first fires, as Node's timer clock and Date.now()
    // can disagree by a millisecond.
    const start = Date.now();
    let readings = 0;
    const now = () => Date.now() - start - (++readings === 2 ? 50 : 0);
    const timers = new Set<NodeJS.Timeout>();
    const calledAt: number[] = [];
    const due = new Promise<void>((resolve) =>
      whenDue(
        5,
        now,
        () => {
          calledAt.push(now());
          resolve();
        },
        timers,
      ),
    );
    await due;
    assert.equal(calledAt.length, 1);
    assert.ok(calledAt[0]! >= 5, `called at ${calledAt[0]}`);
    assert.equal(timers.size, 0, 'no timer left behind');
  });

  it('calls at once for a time already past, and its timer can be cleared before it fires', async function () {
    const timers = new Set<NodeJS.Timeout>();
    let called = 0;
    whenDue(Date.now() + 60_000, Date.now, () => called++, timers);
    assert.equal(timers.size, 1);
    for (const t of timers) clearTimeout(t);
    await new Promise<void>((resolve) => whenDue(Date.now() - 10, Date.now, resolve, new Set()));
    assert.equal(called, 0);
  });
});
