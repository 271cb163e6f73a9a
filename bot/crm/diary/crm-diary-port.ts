import type { CrmAttendee } from '../../store/schema.js';
import type { AppointmentInput } from './appointment-input.js';

/**
 * The CRM's diary as the rest of the product sees it. Today the CRM is the project's own store
 * (store-crm-diary.ts); a real CRM plugs in by implementing this interface, and nothing else changes.
 */

export type { CrmAttendee };

export interface CrmAppointment {
  /** Our id for the appointment (stable across CRM changes). */
  id: string;
  tenantId: string;
  /** The CRM's own id, unique within the tenant. */
  crmId: string;
  ownerCrmUserId: string;
  subject: string;
  start: string;
  end: string;
  timeZone: string;
  location: string | null;
  attendees: CrmAttendee[];
  inviteAttendees: boolean;
  notes: string | null;
  /** Goes up by one with every change from either side. */
  version: number;
  changedAt: string;
  removedAt: string | null;
  /** The Outlook event written from it, once written. */
  outlook: { eventId: string; iCalUId: string | null } | null;
}

/** Why a change was refused; nothing was changed. */
export type CrmDiaryRefusal =
  | { reason: 'unknown_owner'; owner: string }
  | { reason: 'unknown_contact'; contacts: string[] }
  | { reason: 'owner_changed'; owner: string };

export type CrmDiaryPut =
  | { ok: true; outcome: 'created' | 'updated' | 'unchanged'; appointment: CrmAppointment }
  | ({ ok: false } & CrmDiaryRefusal);

export type CrmDiaryRemove = 'removed' | 'already_removed' | 'not_found';

export interface CrmDiary {
  /** Creates the appointment or replaces it whole; the same content again changes nothing. */
  put(tenantId: string, crmId: string, input: AppointmentInput): Promise<CrmDiaryPut>;
  /** Marks it removed (kept, so its Outlook event can follow); removing twice is not an error. */
  remove(tenantId: string, crmId: string): Promise<CrmDiaryRemove>;
  get(tenantId: string, crmId: string): Promise<CrmAppointment | undefined>;
}
