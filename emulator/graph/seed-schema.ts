import { z } from 'zod';
import { calendarDeltaBehaviourSchema } from './calendar-delta-behaviour.js';

/**
 * The documented seed format for one mailbox (see README.md). Dates are relative to "now" so a demo
 * mailbox always looks current; absolute ISO times are accepted too, for tests that need exact values.
 */
export const WELL_KNOWN_FOLDERS = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive'] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];
/** A folder inside a mailbox: a well-known name, or the key of a folder created through Graph (`custom-1`). */
export type FolderKey = string;

export const SENSITIVITIES = ['normal', 'personal', 'private', 'confidential'] as const;
export type SensitivityName = (typeof SENSITIVITIES)[number];

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type DayName = (typeof DAYS)[number];
export const DAY_NAMES: readonly DayName[] = DAYS;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (UTC)');
const isoDateTime = z.string().datetime({ offset: true });

export const recipientSeed = z.union([
  z.string().email(),
  z.object({ address: z.string().email(), name: z.string().min(1).optional() }).strict(),
]);
export type RecipientSeed = z.infer<typeof recipientSeed>;

export const messageSeed = z
  .object({
    folder: z.enum(WELL_KNOWN_FOLDERS).default('inbox'),
    subject: z.string().max(255),
    from: recipientSeed,
    to: z.array(recipientSeed).default([]),
    cc: z.array(recipientSeed).default([]),
    bcc: z.array(recipientSeed).default([]),
    body: z.string().default(''),
    bodyType: z.enum(['text', 'html']).default('text'),
    /** Days before now; with `time` the UTC time of day. */
    receivedDaysAgo: z.number().min(0).max(3650).optional(),
    time: timeOfDay.optional(),
    receivedDateTime: isoDateTime.optional(),
    isRead: z.boolean().default(true),
    isDraft: z.boolean().default(false),
    importance: z.enum(['low', 'normal', 'high']).default('normal'),
    /** Outlook keeps this in the MAPI property PidTagSensitivity (0x0036), not a message field. */
    sensitivity: z.enum(SENSITIVITIES).default('normal'),
    internetMessageId: z.string().min(3).optional(),
    /** Messages with the same thread key share a conversationId. */
    thread: z.string().min(1).optional(),
    hasAttachments: z.boolean().default(false),
    categories: z.array(z.string()).default([]),
  })
  .strict()
  .refine((m) => !(m.receivedDaysAgo !== undefined && m.receivedDateTime !== undefined), {
    message: 'give receivedDaysAgo or receivedDateTime, not both',
  });
export type MessageSeed = z.infer<typeof messageSeed>;

export const attendeeSeed = z.union([
  recipientSeed,
  z
    .object({
      address: z.string().email(),
      name: z.string().min(1).optional(),
      type: z.enum(['required', 'optional', 'resource']).default('required'),
      response: z.enum(['none', 'accepted', 'declined', 'tentativelyAccepted']).default('none'),
    })
    .strict(),
]);

export const recurrenceSeed = z
  .object({
    type: z.enum(['daily', 'weekly']),
    interval: z.number().int().min(1).max(99).default(1),
    /** Weekly only; defaults to the weekday of the first occurrence. */
    daysOfWeek: z.array(z.enum(DAYS)).min(1).optional(),
    count: z.number().int().min(1).max(999).optional(),
    untilDaysFromNow: z.number().int().min(-3650).max(3650).optional(),
    until: z.string().date().optional(),
  })
  .strict()
  .refine((r) => [r.count, r.untilDaysFromNow, r.until].filter((v) => v !== undefined).length <= 1, {
    message: 'give at most one of count, untilDaysFromNow, until',
  });
export type RecurrenceSeed = z.infer<typeof recurrenceSeed>;

export const exceptionSeed = z
  .object({
    /** Zero-based index of the occurrence in the series. */
    occurrence: z.number().int().min(0),
    subject: z.string().max(255).optional(),
    time: timeOfDay.optional(),
    durationMinutes: z.number().int().min(1).max(1440).optional(),
    location: z.string().optional(),
  })
  .strict();

export const eventSeed = z
  .object({
    subject: z.string().max(255),
    body: z.string().default(''),
    organizer: recipientSeed,
    attendees: z.array(attendeeSeed).default([]),
    /** Days from today (negative for the past) of the (first) occurrence, at `time` UTC. */
    startDaysFromNow: z.number().int().min(-3650).max(3650).optional(),
    time: timeOfDay.default('09:00'),
    start: isoDateTime.optional(),
    durationMinutes: z.number().int().min(1).max(1440).default(30),
    location: z.string().optional(),
    isOnlineMeeting: z.boolean().default(false),
    isAllDay: z.boolean().default(false),
    isCancelled: z.boolean().default(false),
    showAs: z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere']).default('busy'),
    sensitivity: z.enum(SENSITIVITIES).default('normal'),
    importance: z.enum(['low', 'normal', 'high']).default('normal'),
    recurrence: recurrenceSeed.optional(),
    cancelledOccurrences: z.array(z.number().int().min(0)).default([]),
    exceptions: z.array(exceptionSeed).default([]),
    /**
     * One meeting in several calendars (the organizer's and each attendee's copy) shares its iCalUId;
     * give the same value in each mailbox's seed. Generated when absent.
     */
    iCalUId: z.string().min(8).max(512).optional(),
  })
  .strict()
  .refine((e) => !(e.startDaysFromNow !== undefined && e.start !== undefined), {
    message: 'give startDaysFromNow or start, not both',
  })
  .refine((e) => e.recurrence || (e.cancelledOccurrences.length === 0 && e.exceptions.length === 0), {
    message: 'cancelledOccurrences and exceptions need a recurrence',
  });
export type EventSeed = z.infer<typeof eventSeed>;

export const mailboxSeed = z
  .object({
    messages: z.array(messageSeed).default([]),
    events: z.array(eventSeed).default([]),
    /** Where reports of calendarView delta differ (calendar-delta-behaviour.ts). */
    calendarDelta: calendarDeltaBehaviourSchema.optional(),
  })
  .strict();
export type MailboxSeed = z.infer<typeof mailboxSeed>;

/** The demo seed file: one mailbox seed per user principal name. */
export const mailboxSeedFile = z.record(z.string().email(), mailboxSeed);
export type MailboxSeedFile = z.infer<typeof mailboxSeedFile>;
