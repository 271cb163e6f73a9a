import type { Effect } from './core/effects.js';
import type { Logger } from '../logging/logger.js';

/**
 * What a step must do in Microsoft 365 before it commits, because the commit deletes the user's tokens:
 * remove the events written from CRM appointments (purge_data) and the Graph subscriptions (stop_sync).
 * The chat's and the tab's steps both run this, so "disable and remove" removes the same events and
 * reports the same count on either surface.
 */

export interface BeforeCommitDeps {
  logger: Logger;
  /** Removes the account's Graph subscriptions while its tokens still exist (stop_sync). */
  removeSubscriptions?: (accountId: string) => Promise<void>;
  /** Removes the events written from CRM appointments from the user's calendar (purge_data); how many. */
  removeCrmEvents?: (accountId: string) => Promise<number>;
}

/** Returns how many calendar events were removed, or undefined when the step removes none. */
export type BeforeCommit = (accountId: string, effects: readonly Effect[]) => Promise<number | undefined>;

export function createBeforeCommit(deps: BeforeCommitDeps): BeforeCommit {
  return async (accountId, effects) => {
    let removed: number | undefined;
    if (effects.some((e) => e.type === 'purge_data') && deps.removeCrmEvents) {
      try {
        removed = await deps.removeCrmEvents(accountId);
      } catch (err) {
        // Switching off must not fail because Graph did; the events stay and the user is not told a count.
        deps.logger.warn(
          { accountId, err: (err as Error).message },
          'CRM events not removed from the calendar',
        );
      }
    }
    if (effects.some((e) => e.type === 'stop_sync')) {
      try {
        await deps.removeSubscriptions?.(accountId);
      } catch (err) {
        // Subscriptions lapse on their own within days; switching off must not wait for Graph.
        deps.logger.warn({ accountId, err: (err as Error).message }, 'Graph subscriptions not removed');
      }
    }
    return removed;
  };
}

/** The step's effects with the count of removed events in the user's "switched off" notice. */
export function withCalendarEventsRemoved(effects: readonly Effect[], removed: number | undefined): Effect[] {
  if (removed === undefined) return [...effects];
  return effects.map((e) =>
    e.type === 'notify_user' && e.notice.kind === 'disabled'
      ? { ...e, notice: { ...e.notice, calendarEventsRemoved: removed } }
      : e,
  );
}
