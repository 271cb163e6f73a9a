import { z } from 'zod';

/**
 * The two points of calendarView delta on which public reports of real Graph disagree, as a per-mailbox
 * setting (seed `calendarDelta`, control API `/_emulator/mailboxes/{user}/calendar-delta`), so clients
 * can be tested against either answer:
 *
 * - `seriesMasters`: whether the round also lists each recurring series' master (`type: seriesMaster`,
 *   with the first occurrence's times). Seen listed in microsoftgraph/microsoft-graph-docs-contrib#7681
 *   (a maintainer's check: "occurrences and series masters") and in ridafkih/keeper.sh#409; not listed
 *   in other reports (microsoft-graph-docs-contrib#5602, #34 show occurrences only).
 * - `cancelledOccurrences`: whether a cancelled (deleted) occurrence of a series that still exists comes
 *   as `@removed`. microsoftgraph/microsoft-graph-docs#4501 (found by experiment): "No indication is
 *   given for a deleted occurrence"; the emulator then re-sends the series' remaining occurrences, as
 *   for any other change to the series.
 *
 * The defaults follow those experiments: masters listed, cancelled occurrences not reported.
 */
export const calendarDeltaBehaviourSchema = z
  .object({
    seriesMasters: z.enum(['listed', 'omitted']).default('listed'),
    cancelledOccurrences: z.enum(['removed', 'omitted']).default('omitted'),
  })
  .strict();
export type CalendarDeltaBehaviour = z.output<typeof calendarDeltaBehaviourSchema>;

export const DEFAULT_CALENDAR_DELTA: CalendarDeltaBehaviour = calendarDeltaBehaviourSchema.parse({});
