import { onRunFinished, type AccountSchedule, type RunOutcome, type ScheduleSettings } from './scheduling.js';

/**
 * Whether an account's change notifications can be trusted, and what that means for its schedule.
 * Pure: the I/O layer reads the account's subscriptions and passes them in with the clock.
 *
 * Live notifications (every synced resource subscribed, unexpired, and Graph heard from lately) let
 * an idle account go without polling: one safety delta at a long interval catches anything a lost
 * notification left behind. Graph talks to an idle subscription only through lifecycle events
 * (reauthorizationRequired before the authorization ends, and `missed` / `subscriptionRemoved`), so
 * silence longer than `silenceLimitMs` means deliveries no longer reach us (the URL is unreachable,
 * or the subscription is gone without word): the account then polls at the ordinary interval until
 * Graph is heard from again.
 *
 * Each reauthorization costs a Graph request, and Graph may challenge a subscription every few
 * minutes; answering only once the authorization is `reauthorizeAfterMs` old (still before it ends)
 * keeps the cost to about one renewal per subscription per authorization lifetime.
 */

export interface NotificationHealthSettings {
  /** Delta interval while an account's notifications are live. */
  safetyIntervalMs: number;
  /** No word from Graph on a subscription for this long: its notifications are presumed lost. */
  silenceLimitMs: number;
  /** A reauthorizationRequired challenge is answered once the authorization is at least this old. */
  reauthorizeAfterMs: number;
}

export const DEFAULT_NOTIFICATION_HEALTH: NotificationHealthSettings = {
  safetyIntervalMs: 3 * 3_600_000,
  silenceLimitMs: 3_600_000,
  // Delegated access tokens last about an hour and Graph challenges in that hour's last stretch.
  reauthorizeAfterMs: 40 * 60_000,
};

export interface SubscriptionHealth {
  resource: string;
  expiresAt: number;
  /** When it was created (Graph validated the endpoint then) or last renewed. */
  authorizedAt: number;
  createdAt: number;
  /** The last notification of any kind Graph delivered for it; null when none yet. */
  lastHeardAt: number | null;
}

/** The last time Graph is known to have reached us for this subscription (creation validates the URL). */
export function lastContact(s: SubscriptionHealth): number {
  return Math.max(s.createdAt, s.lastHeardAt ?? 0);
}

export function isSilent(s: SubscriptionHealth, now: number, settings: NotificationHealthSettings): boolean {
  return now - lastContact(s) > settings.silenceLimitMs;
}

/** Every wanted resource has an unexpired subscription Graph has been heard from lately. */
export function notificationsLive(
  subscriptions: readonly SubscriptionHealth[],
  wanted: readonly string[],
  now: number,
  settings: NotificationHealthSettings,
): boolean {
  if (wanted.length === 0) return false;
  return wanted.every((resource) =>
    subscriptions.some((s) => s.resource === resource && s.expiresAt > now && !isSilent(s, now, settings)),
  );
}

/** Whether a reauthorizationRequired challenge is worth a request now. */
export function answersChallenge(
  authorizedAt: number | null,
  now: number,
  settings: NotificationHealthSettings,
): boolean {
  return authorizedAt === null || now - authorizedAt >= settings.reauthorizeAfterMs;
}

/**
 * Whether a subscription should be renewed in this run: asked for by a challenge, or silent with an
 * old authorization (renewing restarts Graph's challenges, which are how a working endpoint shows).
 */
export function needsReauthorization(
  s: SubscriptionHealth & { reauthorizeRequested: boolean },
  now: number,
  settings: NotificationHealthSettings,
): boolean {
  if (s.reauthorizeRequested) return true;
  return isSilent(s, now, settings) && answersChallenge(s.authorizedAt, now, settings);
}

export interface DeltaDemand {
  /** A change notification, `missed`, `subscriptionRemoved` or "sync now" asked for one. */
  requested: boolean;
  /** When the next delta is due by the schedule; null when never run (or unknown). */
  deltaDueAt: number | null;
  live: boolean;
}

/** Whether this run reads the mailbox, or only looks after its subscriptions. */
export function deltaNeeded(demand: DeltaDemand, now: number): boolean {
  return demand.requested || !demand.live || demand.deltaDueAt === null || demand.deltaDueAt <= now;
}

export interface NextRunInput {
  schedule: AccountSchedule;
  outcome: RunOutcome;
  /** Whether this run set out to read the mailbox. */
  ranDelta: boolean;
  deltaDueAt: number | null;
  /** After the run's subscription upkeep. */
  subscriptions: readonly SubscriptionHealth[];
  wanted: readonly string[];
  /** Null when change notifications are off: polling alone. */
  health: NotificationHealthSettings | null;
}

export interface NextRun extends AccountSchedule {
  deltaDueAt: number | null;
  live: boolean;
}

/**
 * The next run and the next delta. A delta run is scheduled a poll interval on, or a safety interval
 * while notifications are live. An upkeep-only run keeps the delta's time. Either way the account
 * is looked at again when its notifications would turn silent, so a lost endpoint is noticed by
 * then and the account falls back to polling on its own.
 */
export function nextRun(
  input: NextRunInput,
  now: number,
  settings: ScheduleSettings,
  random: () => number,
): NextRun {
  const { health } = input;
  const live = health !== null && notificationsLive(input.subscriptions, input.wanted, now, health);
  const interval = live ? health.safetyIntervalMs : settings.pollIntervalMs;
  const after = onRunFinished(
    input.schedule,
    now,
    input.outcome,
    { ...settings, pollIntervalMs: interval },
    random,
  );
  if (after.dueAt === null) return { ...after, deltaDueAt: null, live };
  const deltaDueAt = input.ranDelta || input.deltaDueAt === null ? after.dueAt : input.deltaDueAt;
  let dueAt = input.ranDelta ? after.dueAt : Math.min(after.dueAt, deltaDueAt);
  if (live) {
    const silentAt = Math.min(...input.subscriptions.map((s) => lastContact(s) + health.silenceLimitMs + 1));
    dueAt = Math.min(dueAt, Math.max(silentAt, now + settings.notificationDelayMs));
  }
  return { ...after, dueAt: Math.max(dueAt, after.notBefore), deltaDueAt, live };
}
