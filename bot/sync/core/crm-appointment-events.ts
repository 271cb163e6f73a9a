import type { Event } from '@microsoft/microsoft-graph-types';

/**
 * CRM appointments as Outlook events, and what to do with each: pure, so the worker's writer
 * (diary-outbound.ts) and reader (own-events.ts) share one definition of "our event".
 */

/**
 * Our events carry the appointment's id in this single-value extended property (a GUID of our own
 * names the property set), so one can be found again after a crash even before its id was stored.
 */
export const CRM_APPOINTMENT_PROPERTY =
  'String {6c1d7f43-2f0e-4b8a-9d35-0a7e5c4b2f19} Name CloudSyncCrmAppointment';

export interface AppointmentForOutlook {
  id: string;
  subject: string;
  startAt: string;
  endAt: string;
  location: string | null;
  notes: string | null;
  attendees: { address: string; name: string | null }[];
  inviteAttendees: boolean;
  version: number;
  removedAt: string | null;
  outlookEventId: string | null;
  outlookWrittenVersion: number | null;
}

export type OutboundAction = 'create' | 'update' | 'delete' | 'none';

export function outboundAction(a: AppointmentForOutlook): OutboundAction {
  if (a.removedAt !== null) return a.outlookEventId !== null ? 'delete' : 'none';
  if (a.outlookWrittenVersion !== null && a.outlookWrittenVersion >= a.version) return 'none';
  return a.outlookEventId === null ? 'create' : 'update';
}

/** The transactionId of the create about to be sent for this version: the same on every retry of it. */
export function createKey(a: Pick<AppointmentForOutlook, 'id' | 'version'>): string {
  return `cloudsync-${a.id}-v${a.version}`;
}

/** Graph wants a wall time and a zone; the appointment's instants are sent as UTC. */
function utc(iso: string): { dateTime: string; timeZone: string } {
  return { dateTime: iso.replace(/Z$/, ''), timeZone: 'UTC' };
}

/**
 * The event's content. Attendees are invited only when the CRM asks for it: an appointment the CRM
 * keeps internal goes into the owner's calendar alone, whoever it mentions.
 */
export function eventContent(a: AppointmentForOutlook): Event {
  return {
    subject: a.subject,
    body: { contentType: 'text', content: a.notes ?? '' },
    start: utc(a.startAt),
    end: utc(a.endAt),
    location: { displayName: a.location ?? '' },
    attendees: a.inviteAttendees
      ? a.attendees.map((p) => ({
          type: 'required',
          emailAddress: { address: p.address, ...(p.name ? { name: p.name } : {}) },
        }))
      : [],
  };
}

export function createBody(a: AppointmentForOutlook, transactionId: string): Event {
  return {
    ...eventContent(a),
    transactionId,
    singleValueExtendedProperties: [{ id: CRM_APPOINTMENT_PROPERTY, value: a.id }],
  };
}

/** `$filter` that finds our event of an appointment by its extended property. */
export function ownEventFilter(appointmentId: string): string {
  return `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_APPOINTMENT_PROPERTY}' and ep/value eq '${appointmentId}')`;
}
