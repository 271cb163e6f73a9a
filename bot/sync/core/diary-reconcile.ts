import { recipientAddress } from './addresses.js';
import type { DeltaPage } from './delta-page.js';
import { eventParticipants } from './filing.js';
import { type FilingContext, decideEvent } from './filters.js';
import type { DeltaEvent } from './graph-items.js';
import { graphTimestampToIso } from './graph-time.js';
import { latestEntryPerId } from './page-entries.js';
import { type DiaryAttendee, type ReconciledPage, startPage } from './store-ops.js';

/**
 * One calendarView delta page → store ops.
 *
 * - Every entry of a calendarView is a single event, an occurrence or an exception; each becomes its
 *   own diary entry keyed by iCalUId + occurrence start. The occurrence start is `originalStart`
 *   when Graph gives one, so an exception moved to another day updates its entry instead of adding
 *   a second; attendees of one meeting share the entry, each account an owner of it.
 * - `isCancelled` is stored on the entry (a cancelled meeting is still history for the CRM).
 * - `@removed` marks this account's owner link of that occurrence removed (see store-ops.ts); Graph
 *   also reports events that merely left the window this way, and a later baseline upsert revives
 *   the link if the event is still there.
 * - Times must be UTC: the request asks for them with `Prefer: outlook.timezone="UTC"`, so an event
 *   in another zone is a malformed response and is recorded as `invalid`.
 */

export interface DiaryPageContext extends FilingContext {
  tenantId: string;
  accountId: string;
}

export function reconcileDiaryPage(page: DeltaPage<DeltaEvent>, ctx: DiaryPageContext): ReconciledPage {
  const { accountId, tenantId } = ctx;
  const resource = 'diary';
  const { ops, counts, skip: recordSkip } = startPage(accountId, resource, page.rejected.length);

  for (const entry of latestEntryPerId(
    page.entries,
    (e) => graphTimestampToIso(e.lastModifiedDateTime) ?? '',
  )) {
    if (entry.kind === 'removed') {
      ops.push({ kind: 'diary_item_owner.removed', accountId, graphEventId: entry.id });
      counts.removed += 1;
      continue;
    }
    if (entry.kind === 'invalid') {
      recordSkip(entry.id, 'invalid', entry.problem);
      continue;
    }
    const event = entry.item;
    const shape = occurrenceShape(event);
    const organizer = eventParticipants(event).author;
    const where = `organizer ${organizer ?? 'unknown'}; ${shape.ok ? shape.startAt : 'unknown start'}`;
    if (!shape.ok) {
      recordSkip(event.id, 'invalid', `${shape.problem}; ${where}`);
      continue;
    }
    const decision = decideEvent(event, ctx);
    if (decision.action === 'skip') {
      recordSkip(event.id, decision.reason, `${decision.detail}; ${where}`);
      continue;
    }
    const key = { tenantId, iCalUId: shape.iCalUId, occurrenceStart: shape.occurrenceStart };
    ops.push({
      kind: 'diary_item.upsert',
      ...key,
      version: `${shape.version}|${accountId}|${event.id}`,
      fields: {
        subject: event.subject ?? null,
        startAt: shape.startAt,
        endAt: shape.endAt,
        isAllDay: event.isAllDay === true,
        location: event.location?.displayName?.trim() || null,
        isCancelled: event.isCancelled === true,
        organizer,
        attendees: attendees(event),
        seriesMasterId: event.seriesMasterId ?? null,
        sensitivity: event.sensitivity ?? null,
      },
    });
    ops.push({
      kind: 'diary_item_owner.upsert',
      ...key,
      accountId,
      graphEventId: event.id,
      role: decision.direction,
      version: shape.version,
    });
    for (const contactId of decision.contacts)
      ops.push({ kind: 'diary_item_contact.link', ...key, contactId });
    ops.push({ kind: 'sync_skip.clear', accountId, resource, graphId: event.id });
    counts.filed += 1;
  }
  return { ops, counts };
}

type OccurrenceShape =
  | { ok: true; iCalUId: string; occurrenceStart: string; startAt: string; endAt: string; version: string }
  | { ok: false; problem: string };

function occurrenceShape(event: DeltaEvent): OccurrenceShape {
  const version = graphTimestampToIso(event.lastModifiedDateTime);
  if (version === null) return { ok: false, problem: 'no valid lastModifiedDateTime' };
  if (event.type === 'seriesMaster')
    return { ok: false, problem: 'series master (its occurrences are synced)' };
  const iCalUId = event.iCalUId?.trim();
  if (!iCalUId) return { ok: false, problem: 'no iCalUId' };
  const startAt = utcTime(event.start);
  const endAt = utcTime(event.end);
  if (startAt === null || endAt === null) return { ok: false, problem: 'start or end missing or not in UTC' };
  if (endAt < startAt) return { ok: false, problem: 'ends before it starts' };
  const occurrenceStart = graphTimestampToIso(event.originalStart) ?? startAt;
  return { ok: true, iCalUId, occurrenceStart, startAt, endAt, version };
}

function utcTime(value: DeltaEvent['start']): string | null {
  if (!value) return null;
  const zone = value.timeZone?.trim().toUpperCase();
  if (zone !== undefined && zone !== '' && zone !== 'UTC') return null;
  return graphTimestampToIso(value.dateTime);
}

function attendees(event: DeltaEvent): DiaryAttendee[] {
  const byAddress = new Map<string, DiaryAttendee>();
  for (const attendee of event.attendees ?? []) {
    const address = recipientAddress(attendee);
    if (address === null || byAddress.has(address)) continue;
    const name = attendee.emailAddress?.name?.trim();
    byAddress.set(address, {
      address,
      ...(name ? { name } : {}),
      ...(attendee.type ? { type: attendee.type } : {}),
      ...(attendee.status?.response ? { response: attendee.status.response } : {}),
    });
  }
  return [...byAddress.values()];
}
