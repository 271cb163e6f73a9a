import assert from 'node:assert/strict';
import { nextReauthorizationAt } from '../../../emulator/graph/reauthorization.js';

/**
 * Graph's schedule of unprompted reauthorizationRequired notifications, from "Reduce missing
 * subscriptions and change notifications" (https://learn.microsoft.com/graph/change-notifications-lifecycle-events):
 * sent before the access token or the subscription expires, every 15 minutes in the last hour, until
 * the app reauthorizes or renews; none once that moment has passed.
 */
const MIN = 60_000;

function schedule(tokenMinutes: number, subscriptionMinutes: number): number[] {
  const state = {
    authorizedAt: 0,
    tokenExpiresAt: tokenMinutes * MIN,
    subscriptionExpiresAt: subscriptionMinutes * MIN,
  };
  const sent: number[] = [];
  let lastSentAt: number | undefined;
  for (;;) {
    const due = nextReauthorizationAt({ ...state, ...(lastSentAt === undefined ? {} : { lastSentAt }) });
    if (due === undefined) return sent.map((t) => t / MIN);
    sent.push(due);
    lastSentAt = due;
  }
}

describe('emulator Graph: when reauthorizationRequired is due (lifecycle notifications page)', () => {
  it('an hour-long token: every 15 minutes from the authorization until the token expires, then none', () => {
    assert.deepEqual(schedule(60, 3 * 24 * 60), [15, 30, 45]);
  });

  it('a longer token: only in its last hour', () => {
    assert.deepEqual(schedule(180, 3 * 24 * 60), [120, 135, 150, 165]);
  });

  it('a subscription expiring before the token: counts down to the subscription', () => {
    assert.deepEqual(schedule(60, 40), [15, 30]);
  });

  it('starts again from a reauthorization', () => {
    const due = nextReauthorizationAt({
      authorizedAt: 50 * MIN,
      tokenExpiresAt: 110 * MIN,
      subscriptionExpiresAt: 10_000 * MIN,
    });
    assert.equal(due, 65 * MIN);
  });
});
