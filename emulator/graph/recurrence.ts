import type { PatternedRecurrence } from '@microsoft/microsoft-graph-types';
import { DAY_NAMES, type DayName } from './seed-schema.js';

/**
 * Expands daily and weekly patterns (Outlook's most common) into occurrence start times. All times are
 * UTC: the emulator stores events in UTC, as Graph returns them without a Prefer: outlook.timezone.
 */
const DAY_MS = 86_400_000;

export interface OccurrenceSlot {
  index: number;
  /** The occurrence's original start (epoch ms), which identifies it within the series. */
  startMs: number;
}

export function validateRecurrence(recurrence: PatternedRecurrence): string | undefined {
  const pattern = recurrence.pattern;
  const range = recurrence.range;
  if (!pattern || !range) return 'recurrence needs a pattern and a range';
  if (pattern.type !== 'daily' && pattern.type !== 'weekly')
    return 'only daily and weekly patterns are emulated';
  if (!pattern.interval || pattern.interval < 1) return 'recurrence interval must be at least 1';
  if (pattern.type === 'weekly' && !pattern.daysOfWeek?.length) return 'a weekly pattern needs daysOfWeek';
  if (!range.startDate || !/^\d{4}-\d{2}-\d{2}$/.test(range.startDate))
    return 'range.startDate must be a date';
  if (range.type === 'numbered' && !(range.numberOfOccurrences && range.numberOfOccurrences > 0)) {
    return 'a numbered range needs numberOfOccurrences';
  }
  if (range.type === 'endDate' && !/^\d{4}-\d{2}-\d{2}$/.test(range.endDate ?? '')) {
    return 'an endDate range needs endDate';
  }
  if (range.type !== 'numbered' && range.type !== 'endDate' && range.type !== 'noEnd') {
    return 'range.type must be numbered, endDate or noEnd';
  }
  return undefined;
}

/** Original starts of the series' occurrences, in order, before `untilMs`. */
export function* occurrenceSlots(
  seriesStartMs: number,
  recurrence: PatternedRecurrence,
  untilMs: number,
): Generator<OccurrenceSlot> {
  const pattern = recurrence.pattern!;
  const range = recurrence.range!;
  const interval = pattern.interval ?? 1;
  const timeOfDay = ((seriesStartMs % DAY_MS) + DAY_MS) % DAY_MS;
  const firstDay = Math.floor(Date.parse(`${range.startDate}T00:00:00Z`) / DAY_MS);
  const lastDay =
    range.type === 'endDate' ? Math.floor(Date.parse(`${range.endDate}T00:00:00Z`) / DAY_MS) : Infinity;
  const maxCount = range.type === 'numbered' ? (range.numberOfOccurrences ?? 0) : Infinity;
  const days = new Set((pattern.daysOfWeek ?? []).map((d) => DAY_NAMES.indexOf(d as DayName)));
  const firstDayOfWeek = DAY_NAMES.indexOf((pattern.firstDayOfWeek ?? 'sunday') as DayName);
  // Epoch day 0 (1970-01-01) was a Thursday.
  const weekday = (day: number): number => (((day + 4) % 7) + 7) % 7;
  const weekOrigin = firstDay - ((weekday(firstDay) - firstDayOfWeek + 7) % 7);

  let index = 0;
  for (let day = firstDay; day <= lastDay && index < maxCount; day++) {
    const startMs = day * DAY_MS + timeOfDay;
    if (startMs >= untilMs) return;
    const matches =
      pattern.type === 'daily'
        ? (day - firstDay) % interval === 0
        : Math.floor((day - weekOrigin) / 7) % interval === 0 && days.has(weekday(day));
    if (!matches) continue;
    yield { index, startMs };
    index++;
  }
}

/** The original start of the occurrence with the given index, if the series has one. */
export function slotAt(
  seriesStartMs: number,
  recurrence: PatternedRecurrence,
  index: number,
): number | undefined {
  for (const slot of occurrenceSlots(seriesStartMs, recurrence, Infinity)) {
    if (slot.index === index) return slot.startMs;
    if (slot.index > index) return undefined;
  }
  return undefined;
}
