import { z } from 'zod/v4';

/**
 * The message and event fields the worker reads from delta pages, as zod schemas. The schemas are
 * the single list: `$select` is derived from them (so Graph sends exactly what is parsed, with no
 * per-message GET), and a field of the wrong shape makes that item a recorded `invalid` skip rather
 * than a crash halfway through a page. Values not in Graph's enums are refused for the same reason:
 * an unknown sensitivity must not be filed as if it were `normal`.
 *
 * zod 4 (`zod/v4`, shipped inside the installed zod 3.25) because these run for every item of every
 * page, where it parses a message in about a third of zod 3's time; the sync worker's other Graph
 * answers use it too, and the rest of the app stays on zod 3's API until it moves as a whole.
 */

const nullableString = z.string().nullish();

const recipient = z.object({
  emailAddress: z.object({ address: nullableString, name: nullableString }).nullish(),
});
const recipients = z.array(recipient).nullish();

const sensitivity = z.enum(['normal', 'personal', 'private', 'confidential']).nullish();

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: nullableString }).nullish();

export const deltaMessageSchema = z.object({
  id: z.string().min(1),
  internetMessageId: nullableString,
  lastModifiedDateTime: nullableString,
  sentDateTime: nullableString,
  receivedDateTime: nullableString,
  subject: nullableString,
  from: recipient.nullish(),
  sender: recipient.nullish(),
  toRecipients: recipients,
  ccRecipients: recipients,
  bccRecipients: recipients,
  replyTo: recipients,
  isDraft: z.boolean().nullish(),
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: nullableString })).nullish(),
});
export type DeltaMessage = z.infer<typeof deltaMessageSchema>;

const attendee = recipient.extend({
  type: z.enum(['required', 'optional', 'resource']).nullish(),
  // A response value Graph adds later is shown as unknown rather than refusing the whole event.
  status: z
    .object({
      response: z
        .enum(['none', 'organizer', 'tentativelyAccepted', 'accepted', 'declined', 'notResponded'])
        .nullish()
        .catch(null),
    })
    .nullish(),
});

export const deltaEventSchema = z.object({
  id: z.string().min(1),
  iCalUId: nullableString,
  type: z.enum(['singleInstance', 'occurrence', 'exception', 'seriesMaster']).nullish(),
  seriesMasterId: nullableString,
  originalStart: nullableString,
  lastModifiedDateTime: nullableString,
  /** Tells our own writes (the changeKey Graph gave them) from changes made in Outlook. */
  changeKey: nullableString,
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
  isAllDay: z.boolean().nullish(),
  isCancelled: z.boolean().nullish(),
  isDraft: z.boolean().nullish(),
  isOrganizer: z.boolean().nullish(),
  subject: nullableString,
  location: z.object({ displayName: nullableString }).nullish(),
  organizer: recipient.nullish(),
  attendees: z.array(attendee).nullish(),
  sensitivity,
});
/**
 * Not sent as `$select`: calendarView/delta in v1.0 does not support it, so the whole event arrives
 * and this schema trims it to the fields the diary keeps. An `occurrence` arrives stripped to id,
 * type, seriesMasterId, start and end (microsoft-graph-docs-contrib#5602, #34): its meeting's fields
 * come from its series master (seriesMasterSchema).
 */
export type DeltaEvent = z.infer<typeof deltaEventSchema>;

/** What the diary reads from a series master (GET /me/events/{seriesMasterId}?$select=...). */
export const seriesMasterSchema = deltaEventSchema
  .pick({
    id: true,
    type: true,
    lastModifiedDateTime: true,
    isAllDay: true,
    isCancelled: true,
    isDraft: true,
    isOrganizer: true,
    subject: true,
    location: true,
    organizer: true,
    attendees: true,
    sensitivity: true,
  })
  .extend({ iCalUId: z.string().trim().min(1) });
export type SeriesMaster = z.infer<typeof seriesMasterSchema>;

/** `$select` for a series master: exactly the parsed fields. */
export const SERIES_MASTER_SELECT: readonly string[] = Object.keys(seriesMasterSchema.shape);

const EXPANDED = 'singleValueExtendedProperties';

/** `$select` for `messages/delta`: exactly the parsed fields (`id` is always returned but harmless to name). */
export const MESSAGE_SELECT: readonly string[] = Object.keys(deltaMessageSchema.shape).filter(
  (f) => f !== EXPANDED,
);

/**
 * The v1.0 message resource has no sensitivity property; Outlook keeps it in MAPI PidTagSensitivity
 * (0x0036, an integer), which Graph exposes as a single-value extended property named `Integer 0x0036`.
 */
export const MESSAGE_EXPAND = `${EXPANDED}($filter=id eq 'Integer 0x0036')`;

const SENSITIVITY_BY_MAPI_VALUE = ['normal', 'personal', 'private', 'confidential'] as const;
export type Sensitivity = (typeof SENSITIVITY_BY_MAPI_VALUE)[number];

/** Matches the property's id in Graph's own spelling too (e.g. `Integer 0x36`). */
export function isSensitivityProperty(id: string): boolean {
  return /^integer\s+0x0*36$/i.test(id.trim());
}

/**
 * The message's sensitivity from PidTagSensitivity, or null when it is unknown. Unknown is a message
 * whose `singleValueExtendedProperties` did not come at all: Graph may answer a delta request with the
 * $expand dropped (docs/real-tenant-differences.md), so absence proves nothing and such a message is
 * never filed until a follow-up read (sensitivity-lookup.ts) sets the list. A list without the property
 * means it is not set on the item, which MAPI reads as normal. A present but unreadable value counts
 * as confidential, so an unknown marking is never filed as ordinary mail.
 */
export function messageSensitivity(message: Pick<DeltaMessage, typeof EXPANDED>): Sensitivity | null {
  const properties = message.singleValueExtendedProperties;
  if (properties === undefined || properties === null) return null;
  const property = properties.find((p) => isSensitivityProperty(p.id));
  if (property === undefined) return 'normal';
  const value = Number(property.value);
  return SENSITIVITY_BY_MAPI_VALUE[value] ?? 'confidential';
}
