import { createContext } from 'react';

/**
 * The zone every time on the tab is shown in: the user's own, which Teams gives in the tab's context
 * (their OS locale's IANA zone) and a plain browser gives through Intl. Never the server's.
 */
export const TimeZoneContext = createContext<string>(browserTimeZone());

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A zone name the platform accepts, else the browser's (a host may send one Intl does not know). */
export function usableTimeZone(zone: string | undefined): string {
  if (!zone) return browserTimeZone();
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return zone;
  } catch {
    return browserTimeZone();
  }
}

/** Minutes east of UTC in `timeZone` at `at`, which the API needs to know when the user's day starts. */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The calendar day of `at` in `timeZone`, as a sortable key (`2026-12-06`). */
export function localDayKey(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
