/**
 * The diary syncs a calendarView over a sliding window (default 90 days back, 365 ahead). Graph fixes
 * the window of a delta round when the round starts, so moving it means a new round: re-basing. The
 * window is aligned to UTC midnight, which makes it the same for every worker and lets it move at most
 * once a day rather than on every run.
 *
 * Re-basing loses and duplicates nothing: the old cursor is dropped, a baseline round over the new
 * window upserts every entry it lists (keyed by iCalUId + occurrence start, so entries already stored
 * are updated, not added), and entries that slid out of the window are left as they are (entries
 * inside it that the baseline no longer lists were deleted, see baseline.ts). The new
 * window is stored with the baseline's first page so a crash mid-baseline resumes that same baseline.
 */

export interface CalendarWindow {
  /** ISO-8601 UTC, inclusive. */
  start: string;
  /** ISO-8601 UTC, exclusive. */
  end: string;
}

export interface WindowSettings {
  daysBack: number;
  daysAhead: number;
  /** How far the ideal window may run ahead of the stored one before the round is re-based. */
  rebaseAfterDays: number;
}

export const DEFAULT_WINDOW_SETTINGS: WindowSettings = { daysBack: 90, daysAhead: 365, rebaseAfterDays: 1 };

export type WindowPlan =
  | { action: 'keep' }
  | { action: 'rebase'; window: CalendarWindow; reason: 'initial' | 'moved' | 'resized' | 'unreadable' };

const DAY_MS = 86_400_000;

/** The window for `now`: from `daysBack` days before today's UTC midnight to the end of day `daysAhead`. */
export function idealWindow(now: number, settings: WindowSettings): CalendarWindow {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return {
    start: new Date(today - settings.daysBack * DAY_MS).toISOString(),
    end: new Date(today + (settings.daysAhead + 1) * DAY_MS).toISOString(),
  };
}

export function planCalendarWindow(
  stored: CalendarWindow | null,
  now: number,
  settings: WindowSettings,
): WindowPlan {
  const window = idealWindow(now, settings);
  if (stored === null) return { action: 'rebase', window, reason: 'initial' };
  const storedStart = Date.parse(stored.start);
  const storedEnd = Date.parse(stored.end);
  if (Number.isNaN(storedStart) || Number.isNaN(storedEnd) || storedEnd <= storedStart) {
    return { action: 'rebase', window, reason: 'unreadable' };
  }
  const idealStart = Date.parse(window.start);
  if (storedEnd - storedStart !== Date.parse(window.end) - idealStart) {
    return { action: 'rebase', window, reason: 'resized' };
  }
  // A stored window ahead of the ideal one means the clock went back; re-base rather than keep a
  // window that does not cover today's history.
  const drift = idealStart - storedStart;
  if (drift >= settings.rebaseAfterDays * DAY_MS || drift < 0)
    return { action: 'rebase', window, reason: 'moved' };
  return { action: 'keep' };
}
