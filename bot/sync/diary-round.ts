import type { Client } from '@microsoft/microsoft-graph-client';
import { diaryBaselineScope } from './core/baseline.js';
import { nextDiaryRequest, type DeltaCursor } from './core/delta-cursor.js';
import { planCalendarWindow, type CalendarWindow, type WindowSettings } from './core/calendar-window.js';
import { reconcileDiaryPage } from './core/diary-reconcile.js';
import { deltaEventSchema, type DeltaEvent, type SeriesMaster } from './core/graph-items.js';
import type { DeltaPage } from './core/delta-page.js';
import type { RoundSpec } from './delta-round.js';
import type { StoredCursor } from './page-commit.js';
import { lookUpSeries } from './series-lookup.js';

/**
 * The diary's round: `calendarView/delta` over the sliding window. When the window has moved (or
 * there is none yet) the stored cursor is set aside and a baseline over the new window starts; the
 * new window is saved with that baseline's first page (page-commit.ts), so a crash mid-baseline
 * resumes the same baseline. Recurring meetings need more than the page says: series-lookup.ts asks
 * Graph for the series masters and, in incremental rounds, for the occurrences still there.
 */

export interface DiaryRoundOptions {
  client: Client;
  graphBaseUrl: string;
  stored: StoredCursor;
  window: WindowSettings;
  pageSize?: number;
  now(): number;
  /** Takes the events written from CRM appointments out of a page (own-events.ts) before filing. */
  ownEvents?(page: DeltaPage<DeltaEvent>): Promise<DeltaPage<DeltaEvent>>;
}

export const DIARY_RESOURCE = 'diary' as const;

export function diaryRound(options: DiaryRoundOptions): RoundSpec<DeltaEvent> {
  const plan = planCalendarWindow(options.stored.window, options.now(), options.window);
  const window: CalendarWindow = plan.action === 'rebase' ? plan.window : options.stored.window!;
  const cursor: DeltaCursor | null = plan.action === 'rebase' ? null : options.stored.cursor;
  const cache = new Map<string, SeriesMaster | null>();
  return {
    resource: DIARY_RESOURCE,
    itemSchema: deltaEventSchema,
    window,
    cursor,
    baselineScope: () => diaryBaselineScope(window),
    request: (c) =>
      nextDiaryRequest(c, {
        graphBaseUrl: options.graphBaseUrl,
        window,
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      }),
    reconcile: async (delivered, filing, round) => {
      const page = options.ownEvents ? await options.ownEvents(delivered) : delivered;
      const series = await lookUpSeries(page, { client: options.client, window, cache }, round.incremental);
      return reconcileDiaryPage(page, { ...filing, window, series });
    },
  };
}
