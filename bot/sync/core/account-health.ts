/**
 * The one-word health of an account's sync for the tab, from its enablement state and recent run
 * records. Checked in order, so the most actionable word wins:
 *
 * 1. paused: the account is paused or disabled (nothing runs on purpose).
 * 2. needs_reconnect: the token is gone; only the user can fix it.
 * 3. throttled: Graph asked us to wait (Retry-After still running), or the last finished run ended
 *    throttled. Throttling is Graph pacing us, shown as such and never as a failure.
 * 4. syncing: a run is under way (one started longer ago than `staleRunMs` is a crashed worker's and
 *    ignored), or no run has finished yet.
 * 5. failing: the last `failingAfter` finished runs all failed (one transient failure is not news).
 * 6. healthy.
 */

export type AccountHealth = 'healthy' | 'syncing' | 'throttled' | 'needs_reconnect' | 'failing' | 'paused';

export interface RunRecord {
  startedAt: number;
  status: 'running' | 'succeeded' | 'failed' | 'throttled' | 'cancelled';
}

export interface HealthInput {
  /** The enablement state (`sync_accounts.state`). */
  accountState: string;
  /** Recent runs, any order. */
  runs: readonly RunRecord[];
  throttledUntil: number | null;
  now: number;
}

export interface HealthSettings {
  failingAfter: number;
  staleRunMs: number;
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = { failingAfter: 3, staleRunMs: 30 * 60_000 };

export function accountHealth(
  input: HealthInput,
  settings: HealthSettings = DEFAULT_HEALTH_SETTINGS,
): AccountHealth {
  if (input.accountState === 'paused' || input.accountState === 'disabled') return 'paused';
  if (input.accountState === 'reconnect_required') return 'needs_reconnect';
  if (input.throttledUntil !== null && input.throttledUntil > input.now) return 'throttled';
  const newestFirst = [...input.runs].sort((a, b) => b.startedAt - a.startedAt);
  if (newestFirst.some((r) => r.status === 'running' && input.now - r.startedAt < settings.staleRunMs)) {
    return 'syncing';
  }
  // Cancelled runs (shutdown, lease handed over) say nothing about health.
  const finished = newestFirst.filter((r) => r.status !== 'running' && r.status !== 'cancelled');
  const latest = finished[0];
  if (latest === undefined) return 'syncing';
  if (latest.status === 'throttled') return 'throttled';
  const failedStreak = finished.findIndex((r) => r.status !== 'failed');
  const streak = failedStreak === -1 ? finished.length : failedStreak;
  return streak >= settings.failingAfter ? 'failing' : 'healthy';
}
