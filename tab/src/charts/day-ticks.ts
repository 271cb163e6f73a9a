import { localDayKey } from '../time/time-zone.js';

/**
 * The chart's x-axis labels: one per day of the user's zone, at the first hour of that day in the
 * data, so a day is never labelled twice and no label lies after the last (current) hour.
 */
export function dayTicks(
  hours: readonly string[],
  timeZone: string,
  locale?: string,
): { values: Date[]; labels: string[] } {
  const label = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', timeZone });
  const values: Date[] = [];
  let previous: string | undefined;
  for (const hour of hours) {
    const at = new Date(hour);
    const day = localDayKey(at, timeZone);
    // The first point's day began before the window: its label would sit mid-day, so it gets none.
    if (previous !== undefined && day !== previous) values.push(at);
    previous = day;
  }
  return { values, labels: values.map((v) => label.format(v)) };
}
