import { recipientAddress } from './addresses.js';
import type { DeltaPage } from './delta-page.js';
import { eventParticipants } from './filing.js';
import { type FilingContext, decideEvent } from './filters.js';
import type { CalendarWindow } from './calendar-window.js';
import type { DeltaEvent, SeriesMaster } from './graph-items.js';
import { graphTimestampToIso } from './graph-time.js';
import { latestEntryPerId } from './page-entries.js';
import { type DiaryAttendee, type ReconciledPage, startPage } from './store-ops.js';

/**
 * One calendarView delta page → store ops.
 *
 * - Every entry of a calendarView is a single event, an occurrence or an exception; each becomes its
 *   own diary entry. A single event is keyed by its iCalUId + start. A series' occurrences and
 *   exceptions are keyed by the series master's iCalUId + the occurrence's original start
 *   (`originalStart` of an exception, the start of a plain occurrence), so an occurrence moved to
 *   another time stays one entry; iCalUId is the same in every attendee's calendar, so attendees of
 *   one meeting share the entry, each account an owner of it.
 * - Graph strips an occurrence to id, type, seriesMasterId, start and end: its subject, people and
 *   version come from the series master (`series.masters`, fetched by the round; series-lookup.ts).
 *   A series master listed by the round is that source, not an entry of its own.
 * - `isCancelled` is stored on the entry (a cancelled meeting is still history for the CRM).
 * - `@removed` marks this account's owner link of that occurrence removed (see store-ops.ts), unless
 *   the stored entry lies outside the window: Graph reports changes outside the window that way too.
 * - `series.instances` (incremental rounds): the series' occurrences now in the window; the links to
 *   the rest are marked removed, since Graph may report a cancelled occurrence by nothing at all.
 * - Times must be UTC: the request asks for them with `Prefer: outlook.timezone="UTC"`, so an event
 *   in another zone is a malformed response and is recorded as `invalid`.
 */

export interface SeriesFacts {
  /** Series masters by id; null when Graph no longer has the series. */
  masters: ReadonlyMap<string, SeriesMaster | null>;
  /** Ids of each re-listed series' instances in the window, by series master id. */
  instances: ReadonlyMap<string, readonly string[]>;
}

export interface DiaryPageContext extends FilingContext {
  tenantId: string;
  accountId: string;
  window: CalendarWindow;
  series: SeriesFacts;
}

export function reconcileDiaryPage(page: DeltaPage<DeltaEvent>, ctx: DiaryPageContext): ReconciledPage {
  const { accountId, tenantId, window } = ctx;
  const resource = 'diary';
  const { ops, counts, skip: recordSkip } = startPage(accountId, resource, page.rejected.length);

  for (const entry of latestEntryPerId(
    page.entries,
    (e) => graphTimestampToIso(e.lastModifiedDateTime) ?? '',
  )) {
    if (entry.kind === 'removed') {
      ops.push({ kind: 'diary_item_owner.removed', accountId, graphEventId: entry.id, window });
      counts.removed += 1;
      continue;
    }
    if (entry.kind === 'invalid') {
      recordSkip(entry.id, 'invalid', entry.problem);
      continue;
    }
    if (entry.item.type === 'seriesMaster') continue;
    const resolved = withSeries(entry.item, ctx.series.masters);
    if ('problem' in resolved) {
      recordSkip(entry.id, 'invalid', resolved.problem);
      continue;
    }
    const event = resolved.event;
    const shape = occurrenceShape(event, resolved.key);
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
  for (const [masterId, graphEventIds] of [...ctx.series.instances].sort(([a], [b]) => compare(a, b))) {
    const master = ctx.series.masters.get(masterId);
    if (!master) continue;
    ops.push({
      kind: 'diary_series.retain',
      tenantId,
      accountId,
      iCalUId: master.iCalUId,
      graphEventIds: [...graphEventIds].sort(compare),
      window,
    });
  }
  return { ops, counts };
}

/** Where an entry's key and version come from: itself, or (occurrences, exceptions) its series master. */
interface EntryKey {
  iCalUId: string | null | undefined;
  /** The version's floor: a series change (the master's) is also a change of each occurrence. */
  modified: string | null | undefined;
}

type Resolved = { event: DeltaEvent; key: EntryKey } | { problem: string };

/**
 * An occurrence takes the meeting's fields from its master and keeps its own id and times; an
 * exception is a full item but is keyed by the series like its siblings.
 */
function withSeries(item: DeltaEvent, masters: SeriesFacts['masters']): Resolved {
  if (item.type !== 'occurrence' && item.type !== 'exception') {
    return { event: item, key: { iCalUId: item.iCalUId, modified: item.lastModifiedDateTime } };
  }
  const masterId = item.seriesMasterId?.trim();
  if (!masterId) return { problem: `${item.type} without seriesMasterId` };
  const master = masters.get(masterId);
  if (!master) return { problem: `${item.type} whose series master Graph did not return` };
  const key = {
    iCalUId: master.iCalUId,
    modified: latest(master.lastModifiedDateTime, item.lastModifiedDateTime),
  };
  if (item.type === 'exception') return { event: item, key };
  const event: DeltaEvent = {
    id: item.id,
    type: item.type,
    seriesMasterId: masterId,
    originalStart: item.originalStart,
    start: item.start,
    end: item.end,
    subject: master.subject,
    isAllDay: master.isAllDay,
    isCancelled: master.isCancelled,
    isDraft: master.isDraft,
    isOrganizer: master.isOrganizer,
    location: master.location,
    organizer: master.organizer,
    attendees: master.attendees,
    sensitivity: master.sensitivity,
  };
  return {
    event,
    key,
  };
}

function latest(a: string | null | undefined, b: string | null | undefined): string | null {
  const x = graphTimestampToIso(a);
  const y = graphTimestampToIso(b);
  if (x === null) return y;
  if (y === null) return x;
  return x > y ? x : y;
}

type OccurrenceShape =
  | { ok: true; iCalUId: string; occurrenceStart: string; startAt: string; endAt: string; version: string }
  | { ok: false; problem: string };

function occurrenceShape(event: DeltaEvent, key: EntryKey): OccurrenceShape {
  const version = graphTimestampToIso(key.modified);
  if (version === null) return { ok: false, problem: 'no valid lastModifiedDateTime' };
  const iCalUId = key.iCalUId?.trim();
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
