import type { Attendee, DateTimeTimeZone, Event } from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import type { EventFields } from './calendar-store.js';
import { canonicalPropertyId } from './extended-properties.js';

/**
 * The event properties a client may write ("Create event", "Update event"), read from a request body.
 * An unknown property is Graph's OData `RequestBodyRead` 400; read-only and unmodelled ones are refused
 * the same way rather than silently dropped.
 */

const WRITABLE = [
  'subject',
  'body',
  'start',
  'end',
  'location',
  'attendees',
  'isReminderOn',
  'reminderMinutesBeforeStart',
  'showAs',
  'sensitivity',
  'importance',
  'categories',
  'isCancelled',
  'transactionId',
  'singleValueExtendedProperties',
] as const;

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string().optional() }).strict();
const emailAddress = z.object({ address: z.string().email(), name: z.string().optional() }).strict();

const eventBody = z
  .object({
    subject: z.string().optional(),
    body: z.object({ contentType: z.enum(['text', 'html', 'Text', 'HTML']), content: z.string() }).optional(),
    start: dateTimeTimeZone.optional(),
    end: dateTimeTimeZone.optional(),
    location: z.object({ displayName: z.string() }).passthrough().optional(),
    attendees: z
      .array(
        z.object({ emailAddress, type: z.enum(['required', 'optional', 'resource']).optional() }).strict(),
      )
      .optional(),
    isReminderOn: z.boolean().optional(),
    reminderMinutesBeforeStart: z.number().int().optional(),
    showAs: z.enum(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']).optional(),
    sensitivity: z.enum(['normal', 'personal', 'private', 'confidential']).optional(),
    importance: z.enum(['low', 'normal', 'high']).optional(),
    categories: z.array(z.string()).optional(),
    isCancelled: z.boolean().optional(),
    transactionId: z.string().min(1).optional(),
    singleValueExtendedProperties: z
      .array(z.object({ id: z.string(), value: z.string() }).strict())
      .optional(),
  })
  .strict();

export interface EventWrite {
  fields: Partial<EventFields>;
  startMs?: number;
  endMs?: number;
  transactionId?: string;
  extendedProperties?: Map<string, string>;
}

export type BodyProblem = { code: string; message: string };

/** Epoch ms of a dateTimeTimeZone: `UTC` or an IANA zone; the emulator does not map Windows zone names. */
export function instantOf(value: DateTimeTimeZone): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(value.dateTime ?? '');
  if (!m) return undefined;
  const [y, mo, d, h, mi, s = '0', frac = '0'] = m.slice(1) as string[];
  const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s, Math.floor(Number(`0.${frac}`) * 1000));
  const zone = value.timeZone ?? 'UTC';
  if (/^(UTC|GMT|Etc\/UTC)$/i.test(zone)) return wall;
  let offsetMs: number;
  try {
    offsetMs = zoneOffset(zone, wall);
  } catch {
    return undefined;
  }
  // The offset at the wall time read as UTC may differ from the offset at the instant itself (DST).
  return wall - zoneOffset(zone, wall - offsetMs);
}

function zoneOffset(zone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

function attendee(a: { emailAddress: { address: string; name?: string }; type?: string }): Attendee {
  return {
    type: (a.type ?? 'required') as Attendee['type'],
    status: { response: 'none', time: '0001-01-01T00:00:00Z' },
    emailAddress: { address: a.emailAddress.address, name: a.emailAddress.name ?? a.emailAddress.address },
  };
}

export function readEventWrite(raw: unknown): EventWrite | BodyProblem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { code: 'RequestBodyRead', message: 'The request body must be a JSON object.' };
  const unknown = Object.keys(raw).find(
    (k) => !(WRITABLE as readonly string[]).includes(k) && !k.startsWith('@'),
  );
  if (unknown)
    return {
      code: 'RequestBodyRead',
      message: `The property '${unknown}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    };
  const parsed = eventBody.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('@'))),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { code: 'RequestBodyRead', message: `Cannot read '${issue.path.join('.')}': ${issue.message}.` };
  }
  const b = parsed.data;
  const startMs = b.start ? instantOf(b.start) : undefined;
  const endMs = b.end ? instantOf(b.end) : undefined;
  if ((b.start && startMs === undefined) || (b.end && endMs === undefined))
    return { code: 'ErrorInvalidRequest', message: 'The start or end dateTimeTimeZone is not valid.' };
  let extendedProperties: Map<string, string> | undefined;
  if (b.singleValueExtendedProperties) {
    extendedProperties = new Map();
    for (const p of b.singleValueExtendedProperties) {
      const id = canonicalPropertyId(p.id);
      if (!id)
        return {
          code: 'ErrorInvalidProperty',
          message: `The extended property id '${p.id}' is not of a form this emulator models ('String {GUID} Name name').`,
        };
      extendedProperties.set(id, p.value);
    }
  }
  const fields: Partial<EventFields> = {
    ...(b.subject !== undefined ? { subject: b.subject } : {}),
    ...(b.body
      ? {
          body: { contentType: b.body.contentType.toLowerCase() as 'text' | 'html', content: b.body.content },
        }
      : {}),
    ...(b.body ? { bodyPreview: b.body.content.slice(0, 255) } : {}),
    ...(b.location ? { location: { displayName: b.location.displayName } } : {}),
    ...(b.attendees ? { attendees: b.attendees.map(attendee) } : {}),
    ...(b.isReminderOn !== undefined ? { isReminderOn: b.isReminderOn } : {}),
    ...(b.reminderMinutesBeforeStart !== undefined
      ? { reminderMinutesBeforeStart: b.reminderMinutesBeforeStart }
      : {}),
    ...(b.showAs ? { showAs: b.showAs } : {}),
    ...(b.sensitivity ? { sensitivity: b.sensitivity } : {}),
    ...(b.importance ? { importance: b.importance } : {}),
    ...(b.categories ? { categories: b.categories } : {}),
    ...(b.isCancelled !== undefined ? { isCancelled: b.isCancelled } : {}),
  } satisfies Partial<Event>;
  return {
    fields,
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
    ...(b.transactionId !== undefined ? { transactionId: b.transactionId } : {}),
    ...(extendedProperties ? { extendedProperties } : {}),
  };
}
