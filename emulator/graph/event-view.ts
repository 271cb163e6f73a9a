import type { DateTimeTimeZone, Event } from '@microsoft/microsoft-graph-types';
import type { EventRecord, ExceptionOverride } from './calendar-store.js';
import type { Mailbox } from './mailbox.js';
import { changeKeyOf } from './message-view.js';
import { occurrenceSlots } from './recurrence.js';

/** How events, series masters and their instances look on the wire. */
export type EventResource = Event & { '@odata.type'?: string; '@odata.etag'?: string };

export const EVENT_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'originalStart',
  'originalStartTimeZone',
  'originalEndTimeZone',
  'iCalUId',
  'reminderMinutesBeforeStart',
  'isReminderOn',
  'hasAttachments',
  'subject',
  'bodyPreview',
  'importance',
  'sensitivity',
  'isAllDay',
  'isCancelled',
  'isDraft',
  'isOrganizer',
  'responseRequested',
  'seriesMasterId',
  'showAs',
  'type',
  'webLink',
  'onlineMeetingUrl',
  'isOnlineMeeting',
  'recurrence',
  'responseStatus',
  'body',
  'start',
  'end',
  'location',
  'locations',
  'attendees',
  'organizer',
  'transactionId',
] as const;

/** One instance of an event in a window: a single event, or an occurrence or exception of a series. */
export interface Instance {
  type: 'singleInstance' | 'occurrence' | 'exception';
  /** Original start: identifies the occurrence in its series. */
  slotMs: number;
  startMs: number;
  endMs: number;
  cancelled: boolean;
  override?: ExceptionOverride;
}

const WEEK_MS = 7 * 86_400_000;

export function graphDateTime(ms: number): DateTimeTimeZone {
  return { dateTime: new Date(ms).toISOString().replace('Z', '0000'), timeZone: 'UTC' };
}

/** Instances overlapping [windowStart, windowEnd), cancelled ones flagged, in start order. */
export function instancesInWindow(record: EventRecord, windowStart: number, windowEnd: number): Instance[] {
  const recurrence = record.fields.recurrence;
  if (!recurrence) {
    const overlaps = record.startMs < windowEnd && record.endMs > windowStart;
    return overlaps
      ? [
          {
            type: 'singleInstance',
            slotMs: record.startMs,
            startMs: record.startMs,
            endMs: record.endMs,
            cancelled: false,
          },
        ]
      : [];
  }
  const duration = record.endMs - record.startMs;
  const out: Instance[] = [];
  // An exception may have moved an occurrence into the window from up to a week later.
  for (const slot of occurrenceSlots(record.startMs, recurrence, windowEnd + WEEK_MS)) {
    const override = record.exceptions.get(slot.startMs);
    const startMs = override?.startMs ?? slot.startMs;
    const endMs = override?.endMs ?? slot.startMs + duration;
    if (startMs >= windowEnd || endMs <= windowStart) continue;
    out.push({
      type: override ? 'exception' : 'occurrence',
      slotMs: slot.startMs,
      startMs,
      endMs,
      cancelled: record.cancelled.includes(slot.startMs),
      ...(override ? { override } : {}),
    });
  }
  return out.sort((a, b) => a.slotMs - b.slotMs);
}

function baseResource(mailbox: Mailbox, record: EventRecord, id: string, version: number): EventResource {
  const changeKey = changeKeyOf(version);
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${changeKey}"`,
    id,
    createdDateTime: record.createdDateTime,
    lastModifiedDateTime: record.lastModifiedDateTime,
    changeKey,
    categories: [],
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    responseStatus: {
      response: record.fields.isOrganizer === false ? 'none' : 'organizer',
      time: '0001-01-01T00:00:00Z',
    },
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    ...record.fields,
    // Returned only when the client set it at creation.
    ...(record.transactionId !== undefined ? { transactionId: record.transactionId } : {}),
    isOrganizer: record.fields.isOrganizer !== false,
    locations: record.fields.location?.displayName ? [record.fields.location] : [],
  };
}

/** A single event or a series master, as GET /events/{id} returns it. */
export function eventResource(mailbox: Mailbox, record: EventRecord, immutable: boolean): EventResource {
  const ids = mailbox.calendar.ids(record);
  return {
    ...baseResource(mailbox, record, immutable ? ids.immutable : ids.regular, record.version),
    iCalUId: record.iCalUId,
    type: record.fields.recurrence ? 'seriesMaster' : 'singleInstance',
    seriesMasterId: null,
    start: graphDateTime(record.startMs),
    end: graphDateTime(record.endMs),
  };
}

export function instanceId(
  mailbox: Mailbox,
  record: EventRecord,
  instance: Instance,
  immutable: boolean,
): string {
  if (instance.type === 'singleInstance') {
    const ids = mailbox.calendar.ids(record);
    return immutable ? ids.immutable : ids.regular;
  }
  const ids = mailbox.calendar.occurrenceIds(record, instance.slotMs);
  return immutable ? ids.immutable : ids.regular;
}

/** An instance as calendarView (and its delta) returns it. */
export function instanceResource(
  mailbox: Mailbox,
  record: EventRecord,
  instance: Instance,
  immutable: boolean,
): EventResource {
  if (instance.type === 'singleInstance') return eventResource(mailbox, record, immutable);
  const masterIds = mailbox.calendar.ids(record);
  const override = instance.override ?? {};
  const base = baseResource(
    mailbox,
    record,
    instanceId(mailbox, record, instance, immutable),
    record.version,
  );
  return {
    ...base,
    iCalUId: `${record.iCalUId}${instance.slotMs.toString(16).toUpperCase()}`,
    type: instance.type,
    seriesMasterId: immutable ? masterIds.immutable : masterIds.regular,
    originalStart: new Date(instance.slotMs).toISOString(),
    recurrence: null,
    start: graphDateTime(instance.startMs),
    end: graphDateTime(instance.endMs),
    ...(override.subject !== undefined ? { subject: override.subject } : {}),
    ...(override.location !== undefined
      ? { location: { displayName: override.location }, locations: [{ displayName: override.location }] }
      : {}),
  };
}
