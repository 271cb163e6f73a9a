import type { Attendee, PatternedRecurrence, Recipient } from '@microsoft/microsoft-graph-types';
import { createHash } from 'node:crypto';
import type { EventInput, ExceptionOverride } from './calendar-store.js';
import type { MessageFields } from './message-store.js';
import { slotAt } from './recurrence.js';
import type {
  EventSeed,
  MessageSeed,
  RecipientSeed,
  SensitivityName,
  WellKnownFolder,
} from './seed-schema.js';

/** Turns validated seed entries into store input, resolving relative dates against `nowMs`. */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface MessageInput {
  folder: WellKnownFolder;
  fields: MessageFields;
  sensitivity: SensitivityName;
}

export function recipient(seed: RecipientSeed): Recipient {
  if (typeof seed === 'string') return { emailAddress: { address: seed, name: nameFromAddress(seed) } };
  return { emailAddress: { address: seed.address, name: seed.name ?? nameFromAddress(seed.address) } };
}

function nameFromAddress(address: string): string {
  const local = address.split('@')[0] ?? address;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join(' ');
}

function timeOfDayMs(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return (h * 60 + m) * MINUTE_MS;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function bodyPreview(content: string, contentType: 'text' | 'html'): string {
  const text = contentType === 'html' ? content.replace(/<[^>]*>/g, ' ') : content;
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

export function messageFromSeed(seed: MessageSeed, tag: string, nowMs: number): MessageInput {
  let receivedMs: number;
  if (seed.receivedDateTime) receivedMs = Date.parse(seed.receivedDateTime);
  else if (seed.receivedDaysAgo !== undefined) {
    receivedMs =
      seed.time !== undefined
        ? startOfDay(nowMs - seed.receivedDaysAgo * DAY_MS) + timeOfDayMs(seed.time)
        : nowMs - seed.receivedDaysAgo * DAY_MS;
  } else receivedMs = nowMs;
  // A relative time of day later than now would put mail in the future.
  if (receivedMs > nowMs) receivedMs = nowMs - MINUTE_MS;
  const received = new Date(receivedMs).toISOString().replace(/\.\d+Z$/, 'Z');
  const from = recipient(seed.from);
  const fromAddress = from.emailAddress!.address!;
  const domain = fromAddress.split('@')[1] ?? 'example.com';
  const digest = createHash('sha256').update(`${seed.subject}|${fromAddress}|${received}`).digest('hex');
  const thread = seed.thread ?? seed.subject.replace(/^(re|fw|fwd):\s*/i, '');
  const conversationId = `AAQkA${Buffer.from(`${tag}|${thread}`).toString('base64url')}`;
  return {
    folder: seed.folder,
    sensitivity: seed.sensitivity,
    fields: {
      subject: seed.subject,
      body: { contentType: seed.bodyType, content: seed.body },
      bodyPreview: bodyPreview(seed.body, seed.bodyType),
      from,
      sender: from,
      toRecipients: seed.to.map(recipient),
      ccRecipients: seed.cc.map(recipient),
      bccRecipients: seed.bcc.map(recipient),
      replyTo: [],
      receivedDateTime: received,
      sentDateTime: received,
      isRead: seed.isRead,
      isDraft: seed.isDraft,
      importance: seed.importance,
      hasAttachments: seed.hasAttachments,
      categories: seed.categories,
      internetMessageId: seed.internetMessageId ?? `<${digest.slice(0, 24)}@${domain}>`,
      conversationId,
      inferenceClassification: 'focused',
      isDeliveryReceiptRequested: false,
      isReadReceiptRequested: false,
      flag: { flagStatus: 'notFlagged' },
    },
  };
}

function attendee(seed: EventSeed['attendees'][number]): Attendee {
  const r = recipient(typeof seed === 'string' ? seed : { address: seed.address, name: seed.name });
  const type = typeof seed === 'object' && 'type' in seed ? seed.type : 'required';
  const response = typeof seed === 'object' && 'response' in seed ? seed.response : 'none';
  return { ...r, type, status: { response, time: '0001-01-01T00:00:00Z' } };
}

/**
 * `owner`: the calendar owner's addresses, which decide whether this copy is the organizer's or an
 * attendee's (isOrganizer); empty means the organizer's.
 */
export function eventFromSeed(
  seed: EventSeed,
  nowMs: number,
  owner: ReadonlySet<string> = new Set(),
): EventInput {
  const startMs = seed.start
    ? Date.parse(seed.start)
    : startOfDay(nowMs + (seed.startDaysFromNow ?? 0) * DAY_MS) + timeOfDayMs(seed.time);
  const durationMs = seed.durationMinutes * MINUTE_MS;
  const recurrence = seed.recurrence ? recurrenceFromSeed(seed.recurrence, startMs, nowMs) : undefined;
  const cancelled: number[] = [];
  const exceptions = new Map<number, ExceptionOverride>();
  if (recurrence) {
    for (const index of seed.cancelledOccurrences) cancelled.push(requireSlot(startMs, recurrence, index));
    for (const ex of seed.exceptions) {
      const slot = requireSlot(startMs, recurrence, ex.occurrence);
      const exStart = ex.time !== undefined ? startOfDay(slot) + timeOfDayMs(ex.time) : slot;
      const exDuration = (ex.durationMinutes ?? seed.durationMinutes) * MINUTE_MS;
      exceptions.set(slot, {
        ...(ex.subject !== undefined ? { subject: ex.subject } : {}),
        ...(ex.location !== undefined ? { location: ex.location } : {}),
        startMs: exStart,
        endMs: exStart + exDuration,
      });
    }
  }
  const organizer = recipient(seed.organizer);
  const organizerAddress = organizer.emailAddress!.address!.toLowerCase();
  return {
    startMs,
    endMs: startMs + durationMs,
    cancelled,
    exceptions,
    ...(seed.iCalUId !== undefined ? { iCalUId: seed.iCalUId } : {}),
    fields: {
      subject: seed.subject,
      body: { contentType: 'text', content: seed.body },
      bodyPreview: bodyPreview(seed.body, 'text'),
      organizer,
      isOrganizer: owner.size === 0 || owner.has(organizerAddress),
      attendees: seed.attendees.map(attendee),
      location: { displayName: seed.location ?? '' },
      isOnlineMeeting: seed.isOnlineMeeting,
      isAllDay: seed.isAllDay,
      isCancelled: seed.isCancelled,
      showAs: seed.showAs,
      sensitivity: seed.sensitivity,
      importance: seed.importance,
      recurrence: recurrence ?? null,
      isReminderOn: true,
      reminderMinutesBeforeStart: 15,
      responseRequested: true,
      hasAttachments: false,
    },
  };
}

function requireSlot(startMs: number, recurrence: PatternedRecurrence, index: number): number {
  const slot = slotAt(startMs, recurrence, index);
  if (slot === undefined) throw new Error(`the series has no occurrence number ${index}`);
  return slot;
}

function recurrenceFromSeed(
  seed: NonNullable<EventSeed['recurrence']>,
  startMs: number,
  nowMs: number,
): PatternedRecurrence {
  const startDate = new Date(startMs).toISOString().slice(0, 10);
  const weekday = new Date(startMs)
    .toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })
    .toLowerCase();
  const until =
    seed.until ??
    (seed.untilDaysFromNow !== undefined
      ? new Date(nowMs + seed.untilDaysFromNow * DAY_MS).toISOString().slice(0, 10)
      : undefined);
  return {
    pattern: {
      type: seed.type,
      interval: seed.interval,
      ...(seed.type === 'weekly'
        ? { daysOfWeek: seed.daysOfWeek ?? [weekday], firstDayOfWeek: 'sunday' as const }
        : {}),
    },
    range: seed.count
      ? { type: 'numbered', startDate, numberOfOccurrences: seed.count, recurrenceTimeZone: 'UTC' }
      : until
        ? { type: 'endDate', startDate, endDate: until, recurrenceTimeZone: 'UTC' }
        : { type: 'noEnd', startDate, recurrenceTimeZone: 'UTC' },
  } as PatternedRecurrence;
}
