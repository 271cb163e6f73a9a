import { z } from 'zod';

/**
 * The body of `PUT /api/crm/diary/{crmId}`: one appointment as the CRM holds it. Times are instants
 * (ISO-8601 with an offset or `Z`); `timeZone` is the IANA zone it was booked in, which Outlook shows.
 * An attendee is a CRM contact (its `externalRef`) or an address; attendees are invited from Outlook
 * only when `inviteAttendees` is true, so an internal appointment invites nobody.
 */

const MAX_TEXT = 255;
const MAX_NOTES = 32_000;
const MAX_ATTENDEES = 100;

/** Ids the CRM may use in the path: short, printable, no separators that could mean something else. */
export const crmIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._~-]+$/, 'must be letters, digits, ".", "_", "~" or "-"');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const instant = z
  .string({ required_error: 'is missing', invalid_type_error: 'must be a date and time' })
  .datetime({
    offset: true,
    message: 'must be an ISO-8601 date and time with an offset, e.g. 2026-12-07T09:00:00Z',
  })
  .transform((s) => new Date(s).toISOString());

const address = z
  .string()
  .trim()
  .email('is not an e-mail address')
  .transform((a) => a.toLowerCase());

/** A contact may name which of its addresses to use; otherwise its alphabetically first is used. */
const attendeeSchema = z.union(
  [
    z.object({ contact: z.string().trim().min(1).max(MAX_TEXT), address: address.optional() }).strict(),
    z.object({ address, name: z.string().trim().min(1).max(MAX_TEXT).optional() }).strict(),
  ],
  {
    errorMap: () => ({
      message: 'must be { "contact": externalRef, "address"? } or { "address": e-mail, "name"? }',
    }),
  },
);

export const appointmentInputSchema = z
  .object({
    owner: z
      .string({ required_error: 'is missing' })
      .trim()
      .email('must be the work e-mail of a CRM user')
      .transform((e) => e.toLowerCase()),
    subject: z.string({ required_error: 'is missing' }).trim().min(1, 'is missing').max(MAX_TEXT),
    start: instant,
    end: instant,
    timeZone: z
      .string({ required_error: 'is missing' })
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/London'),
    location: z.string().trim().max(MAX_TEXT).optional(),
    attendees: z.array(attendeeSchema).max(MAX_ATTENDEES).default([]),
    inviteAttendees: z.boolean().default(false),
    notes: z.string().max(MAX_NOTES).optional(),
  })
  .strict()
  .refine((a) => a.end > a.start, { message: 'must be after start', path: ['end'] });

export type AppointmentInput = z.output<typeof appointmentInputSchema>;
export type AttendeeInput = AppointmentInput['attendees'][number];
