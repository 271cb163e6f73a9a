import type { CalendarWindow } from './calendar-window.js';
import type { DeltaEntry } from './delta-page.js';

/**
 * A baseline (initial round) lists only what exists now, so a deletion Graph never reported (it fell
 * between the last delta round and a 410, or before a moved calendar window) must be inferred from
 * what the baseline did NOT list. Each baseline gets a generation, stored with its cursor; every owner
 * link a baseline page lists is stamped with it, and the page that completes the baseline detaches the
 * links in the baseline's scope that carry an older (or no) generation. Generations only grow per
 * account (see nextGeneration), because a link can move between folders and so between cursors.
 *
 * The scope is what the baseline's request could have listed, judged conservatively: a link outside it
 * is kept, since not being listed proves nothing about it.
 */

export type BaselineScope =
  /** Links of this folder whose e-mail was sent on or after `sentFrom` (the history filter, see below). */
  | { kind: 'mail'; folder: string; sentFrom: string }
  /** Diary links whose entry lies wholly inside the window (calendarView lists what overlaps it). */
  | { kind: 'diary'; start: string; end: string };

const DAY_MS = 86_400_000;

/**
 * A mail baseline asks for `receivedDateTime ge now - historyDays` (delta-cursor.ts), computed when it
 * started; `now` here is later, so this floor is no earlier than the request's. Older mail is never
 * listed and must keep its link. The store has the sent time rather than the received time, hence a
 * day's margin for clock skew between sender and mailbox.
 */
export function mailBaselineScope(folder: string, now: number, historyDays: number): BaselineScope {
  return { kind: 'mail', folder, sentFrom: new Date(now - historyDays * DAY_MS + DAY_MS).toISOString() };
}

/** Entries that slid out of a moved window stay attached (calendar-window.ts); only those inside count. */
export function diaryBaselineScope(window: CalendarWindow): BaselineScope {
  return { kind: 'diary', start: window.start, end: window.end };
}

/**
 * Ids a baseline page proves present: live items, filed or skipped (a skipped item keeps an earlier
 * link, mail-reconcile.ts), and unreadable ones. Removals prove nothing and apply as removals.
 */
export function listedIds<T>(entries: readonly DeltaEntry<T>[]): string[] {
  return [...new Set(entries.filter((e) => e.kind !== 'removed').map((e) => e.id))];
}

/** Above every generation the account's cursors and links carry, so older always means smaller. */
export function nextGeneration(highestInUse: readonly (number | null)[]): number {
  return Math.max(0, ...highestInUse.map((g) => g ?? 0)) + 1;
}
