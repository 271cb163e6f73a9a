/** Time arithmetic for the health views, in UTC ISO strings like the store's timestamps. */

const HOUR_MS = 3_600_000;
export const CHART_HOURS = 7 * 24;

/** The starts of the last `hours` hours, oldest first, the current (partial) hour last. */
export function hourStarts(now: Date, hours = CHART_HOURS): string[] {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: hours }, (_, i) => new Date(current - (hours - 1 - i) * HOUR_MS).toISOString());
}

/** The hour key the store's timestamps share with `hourStarts` (`2025-01-31T09`). */
export function hourKey(iso: string): string {
  return iso.slice(0, 13);
}

/**
 * Midnight of the viewer's day: "items today" means the user's today, and the browser tells us its
 * UTC offset (minutes east of UTC) because the server's clock zone is meaningless to them.
 */
export function startOfLocalDay(now: Date, utcOffsetMinutes: number): string {
  const shifted = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  shifted.setUTCHours(0, 0, 0, 0);
  return new Date(shifted.getTime() - utcOffsetMinutes * 60_000).toISOString();
}

export function isoMinus(now: Date, ms: number): string {
  return new Date(now.getTime() - ms).toISOString();
}

export const DAY_MS = 24 * HOUR_MS;

/** Whole seconds since `iso`, never negative (a clock a little ahead reads as just now). */
export function ageSeconds(iso: string, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
}
