import assert from 'node:assert/strict';
import {
  answersChallenge,
  DEFAULT_NOTIFICATION_HEALTH,
  deltaNeeded,
  needsReauthorization,
  nextRun,
  notificationsLive,
  type NotificationHealthSettings,
  type SubscriptionHealth,
} from '../../../bot/sync/core/notification-health.js';
import type { ScheduleSettings } from '../../../bot/sync/core/scheduling.js';

const T = 1_750_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const health: NotificationHealthSettings = {
  safetyIntervalMs: 2 * HOUR,
  silenceLimitMs: HOUR,
  reauthorizeAfterMs: 40 * MIN,
};
const schedule: ScheduleSettings = {
  pollIntervalMs: 5 * MIN,
  pollJitter: 0,
  notificationDelayMs: 250,
  failureBaseDelayMs: 5_000,
};
const WANTED = ['mail:inbox', 'mail:sentitems', 'diary'];
const running = { dueAt: null, notBefore: 0, running: true, rerunRequested: false };
const half = () => 0.5;

function sub(resource: string, over: Partial<SubscriptionHealth> = {}): SubscriptionHealth {
  return {
    resource,
    expiresAt: T + 3 * 24 * HOUR,
    authorizedAt: T - 10 * MIN,
    createdAt: T - 10 * MIN,
    lastHeardAt: null,
    ...over,
  };
}
const healthy = (over: Partial<SubscriptionHealth> = {}) => WANTED.map((r) => sub(r, over));

describe('sync/core/notification-health', () => {
  describe('notificationsLive', () => {
    it('is live when every synced resource has an unexpired subscription heard from lately', () => {
      assert.equal(notificationsLive(healthy(), WANTED, T, health), true);
      // Creation counts as contact (Graph validated the endpoint); a later notification renews it.
      assert.equal(
        notificationsLive(healthy({ createdAt: T - 5 * HOUR, lastHeardAt: T - 30 * MIN }), WANTED, T, health),
        true,
      );
    });

    it('is not live with a resource unsubscribed, an expired subscription, or one silent too long', () => {
      assert.equal(notificationsLive(healthy().slice(1), WANTED, T, health), false);
      const expired = [...healthy().slice(1), sub('mail:inbox', { expiresAt: T })];
      assert.equal(notificationsLive(expired, WANTED, T, health), false);
      const silent = [
        ...healthy().slice(1),
        sub('mail:inbox', { createdAt: T - 2 * HOUR, lastHeardAt: T - HOUR - 1 }),
      ];
      assert.equal(notificationsLive(silent, WANTED, T, health), false);
    });

    it('is never live for an account with nothing to sync', () => {
      assert.equal(notificationsLive(healthy(), [], T, health), false);
    });
  });

  it('answers a challenge only once the authorization is old enough', () => {
    assert.equal(answersChallenge(T - 39 * MIN, T, health), false);
    assert.equal(answersChallenge(T - 40 * MIN, T, health), true);
    assert.equal(answersChallenge(null, T, health), true);
  });

  it('reauthorizes a challenged subscription, and a silent one whose authorization is old', () => {
    assert.equal(needsReauthorization({ ...sub('diary'), reauthorizeRequested: true }, T, health), true);
    assert.equal(needsReauthorization({ ...sub('diary'), reauthorizeRequested: false }, T, health), false);
    const silentOld = { ...sub('diary', { createdAt: T - 3 * HOUR, authorizedAt: T - 41 * MIN }) };
    assert.equal(needsReauthorization({ ...silentOld, reauthorizeRequested: false }, T, health), true);
    const silentYoung = { ...sub('diary', { createdAt: T - 3 * HOUR, authorizedAt: T - 10 * MIN }) };
    assert.equal(needsReauthorization({ ...silentYoung, reauthorizeRequested: false }, T, health), false);
  });

  it('reads the mailbox when asked, when due, when never read, or whenever notifications are not live', () => {
    assert.equal(deltaNeeded({ requested: false, deltaDueAt: T + HOUR, live: true }, T), false);
    assert.equal(deltaNeeded({ requested: true, deltaDueAt: T + HOUR, live: true }, T), true);
    assert.equal(deltaNeeded({ requested: false, deltaDueAt: T, live: true }, T), true);
    assert.equal(deltaNeeded({ requested: false, deltaDueAt: null, live: true }, T), true);
    assert.equal(deltaNeeded({ requested: false, deltaDueAt: T + HOUR, live: false }, T), true);
  });

  describe('nextRun', () => {
    const base = {
      schedule: running,
      outcome: { kind: 'completed' } as const,
      ranDelta: true,
      deltaDueAt: null,
      wanted: WANTED,
      health,
    };

    it('a read with live notifications: the next read a safety interval on, a look when they would turn silent', () => {
      const heard = T - 20 * MIN;
      const next = nextRun(
        { ...base, subscriptions: healthy({ createdAt: T - 3 * HOUR, lastHeardAt: heard }) },
        T,
        schedule,
        half,
      );
      assert.equal(next.live, true);
      assert.equal(next.deltaDueAt, T + 2 * HOUR);
      assert.equal(next.dueAt, heard + HOUR + 1);
    });

    it('a read without live notifications (or with them off): the ordinary poll interval', () => {
      const silent = healthy({ createdAt: T - 3 * HOUR });
      for (const input of [
        { ...base, subscriptions: silent },
        { ...base, subscriptions: healthy(), health: null },
      ]) {
        const next = nextRun(input, T, schedule, half);
        assert.equal(next.live, false);
        assert.equal(next.dueAt, T + 5 * MIN);
        assert.equal(next.deltaDueAt, T + 5 * MIN);
      }
    });

    it('an upkeep-only run keeps the read where it was', () => {
      const deltaDueAt = T + 50 * MIN;
      const next = nextRun(
        { ...base, ranDelta: false, deltaDueAt, subscriptions: healthy({ lastHeardAt: T }) },
        T,
        schedule,
        half,
      );
      assert.equal(next.deltaDueAt, deltaDueAt);
      assert.equal(next.dueAt, deltaDueAt);
    });

    it('falls back by itself: an account whose subscriptions went silent is looked at then, and then polls', () => {
      const heard = T - 50 * MIN;
      const first = nextRun(
        { ...base, subscriptions: healthy({ createdAt: T - 3 * HOUR, lastHeardAt: heard }) },
        T,
        schedule,
        half,
      );
      const later = first.dueAt!;
      assert.ok(later <= heard + HOUR + 1);
      const demand = {
        requested: false,
        deltaDueAt: first.deltaDueAt,
        live: notificationsLive(
          healthy({ createdAt: T - 3 * HOUR, lastHeardAt: heard }),
          WANTED,
          later,
          health,
        ),
      };
      assert.equal(demand.live, false);
      assert.equal(deltaNeeded(demand, later), true);
      const after = nextRun(
        {
          ...base,
          deltaDueAt: first.deltaDueAt,
          subscriptions: healthy({ createdAt: T - 3 * HOUR, lastHeardAt: heard }),
        },
        later,
        schedule,
        half,
      );
      assert.equal(after.dueAt, later + 5 * MIN);
      // Heard from again: back to the long interval.
      const recovered = nextRun(
        { ...base, subscriptions: healthy({ lastHeardAt: later + 6 * MIN }) },
        later + 7 * MIN,
        schedule,
        half,
      );
      assert.equal(recovered.live, true);
      assert.equal(recovered.deltaDueAt, later + 7 * MIN + 2 * HOUR);
    });

    it('a request during the run, throttling and stopping behave as in ordinary scheduling', () => {
      const subscriptions = healthy({ lastHeardAt: T });
      const rerun = nextRun(
        { ...base, ranDelta: false, schedule: { ...running, rerunRequested: true }, subscriptions },
        T,
        schedule,
        half,
      );
      assert.equal(rerun.dueAt, T + 250);
      const throttled = nextRun(
        { ...base, outcome: { kind: 'throttled', notBefore: T + 2 * HOUR + 1 }, subscriptions },
        T,
        schedule,
        half,
      );
      assert.equal(throttled.dueAt, T + 2 * HOUR + 1);
      const stopped = nextRun({ ...base, outcome: { kind: 'stopped' }, subscriptions }, T, schedule, half);
      assert.equal(stopped.dueAt, null);
    });
  });

  it('by the default settings an idle account with live notifications costs at most six Graph requests an hour', () => {
    // Three synced resources: a safety read is three delta requests; each subscription is renewed once
    // per answered challenge, i.e. at most once per reauthorizeAfterMs.
    const d = DEFAULT_NOTIFICATION_HEALTH;
    const perHour = (3 * HOUR) / d.safetyIntervalMs + (3 * HOUR) / d.reauthorizeAfterMs;
    assert.ok(perHour <= 6, `${perHour} requests an hour`);
  });
});
