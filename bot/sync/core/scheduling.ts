import { fullJitterDelay } from './backoff.js';

/**
 * When an account's next sync run is due. Pure state transitions over a small record the I/O layer
 * keeps per account (`sync_accounts.next_run_at` / `throttled_until`):
 *
 * - Polling: a completed run schedules the next one a poll interval later, ± jitter so that thousands
 *   of accounts enabled together do not poll in lockstep.
 * - Requests (notifications, the tab): one that arrived during a run asks for a rerun
 *   `notificationDelayMs` after it (well under a second), so a change committed mid-run is not left
 *   for the next poll.
 * - Throttling: nothing is due before `notBefore` (Retry-After), whatever else asks.
 * - Failures: exponential backoff with full jitter over consecutive failed runs, capped at the poll
 *   interval (polling would retry by then anyway).
 * - Stopped (reconnect required, paused, disabled): not scheduled until something restarts it.
 */

export interface ScheduleSettings {
  pollIntervalMs: number;
  /** Fraction of the interval the poll may move either way, e.g. 0.1 = ±10 %. */
  pollJitter: number;
  notificationDelayMs: number;
  failureBaseDelayMs: number;
}

export const DEFAULT_SCHEDULE_SETTINGS: ScheduleSettings = {
  pollIntervalMs: 300_000,
  pollJitter: 0.1,
  notificationDelayMs: 250,
  failureBaseDelayMs: 5_000,
};

export interface AccountSchedule {
  /** Epoch ms the next run is due; null when not scheduled (stopped). */
  dueAt: number | null;
  /** Epoch ms before which no run may start (Retry-After); 0 when not throttled. */
  notBefore: number;
  running: boolean;
  rerunRequested: boolean;
}

export type RunOutcome =
  | { kind: 'completed' }
  | { kind: 'throttled'; notBefore: number }
  | { kind: 'failed'; consecutiveFailures: number }
  | { kind: 'stopped' };

export function onRunFinished(
  schedule: AccountSchedule,
  now: number,
  outcome: RunOutcome,
  settings: ScheduleSettings,
  random: () => number,
): AccountSchedule {
  const done = { ...schedule, running: false, rerunRequested: false };
  if (outcome.kind === 'stopped') return { ...done, dueAt: null };
  const notBefore =
    outcome.kind === 'throttled' ? Math.max(schedule.notBefore, outcome.notBefore) : schedule.notBefore;
  let dueAt: number;
  if (outcome.kind === 'failed') {
    const policy = { baseDelayMs: settings.failureBaseDelayMs, maxDelayMs: settings.pollIntervalMs };
    dueAt = now + fullJitterDelay(outcome.consecutiveFailures - 1, policy, random);
  } else if (schedule.rerunRequested || outcome.kind === 'throttled') {
    dueAt = now + settings.notificationDelayMs;
  } else {
    dueAt = now + pollDelay(settings, random);
  }
  return { ...done, notBefore, dueAt: Math.max(dueAt, notBefore) };
}

/** The poll interval moved by a uniform jitter in [−pollJitter, +pollJitter] of itself. */
export function pollDelay(settings: ScheduleSettings, random: () => number): number {
  const spread = settings.pollIntervalMs * settings.pollJitter;
  return Math.round(settings.pollIntervalMs - spread + random() * 2 * spread);
}
