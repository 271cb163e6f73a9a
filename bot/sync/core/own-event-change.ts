import type { DeltaEvent } from './graph-items.js';
import { graphTimestampToIso } from './graph-time.js';

/**
 * What a calendar change to one of our own events (an event written from a CRM appointment) means
 * for the appointment. The rule for conflicts (both sides changed since our last write) is the one
 * in the README: the later change wins, by its own timestamp (Outlook's lastModifiedDateTime, the
 * CRM's changedAt); the losing change is recorded in the appointment's history. A removal or
 * cancellation in Outlook removes the appointment.
 */

export interface OwnAppointmentState {
  subject: string;
  startAt: string;
  endAt: string;
  location: string | null;
  version: number;
  changedAt: string;
  outlookWrittenVersion: number | null;
  outlookChangeKey: string | null;
}

export interface OutlookFields {
  subject: string;
  startAt: string;
  endAt: string;
  location: string | null;
}

export type OwnEventDecision =
  /** Our own write coming back, or nothing the CRM keeps changed. */
  | { kind: 'echo' }
  | { kind: 'take_outlook'; fields: OutlookFields; conflict: boolean; changeKey: string | null }
  | { kind: 'keep_crm'; lost: OutlookFields; changeKey: string | null }
  | { kind: 'removed'; reason: 'cancelled' | 'deleted' }
  | { kind: 'invalid'; problem: string };

export function outlookFields(event: DeltaEvent): OutlookFields | undefined {
  const startAt = graphTimestampToIso(event.start?.dateTime ?? null);
  const endAt = graphTimestampToIso(event.end?.dateTime ?? null);
  if (!startAt || !endAt) return undefined;
  return {
    subject: event.subject ?? '',
    startAt,
    endAt,
    location: event.location?.displayName ? event.location.displayName : null,
  };
}

export function decideOwnEvent(stored: OwnAppointmentState, event: DeltaEvent): OwnEventDecision {
  if (event.changeKey && event.changeKey === stored.outlookChangeKey) return { kind: 'echo' };
  if (event.isCancelled) return { kind: 'removed', reason: 'cancelled' };
  const fields = outlookFields(event);
  if (!fields) return { kind: 'invalid', problem: 'the event has no UTC start or end' };
  const same =
    fields.subject === stored.subject &&
    fields.startAt === stored.startAt &&
    fields.endAt === stored.endAt &&
    fields.location === stored.location;
  if (same) return { kind: 'echo' };
  const changeKey = event.changeKey ?? null;
  const crmPending = stored.outlookWrittenVersion === null || stored.outlookWrittenVersion < stored.version;
  if (!crmPending) return { kind: 'take_outlook', fields, conflict: false, changeKey };
  const outlookAt = graphTimestampToIso(event.lastModifiedDateTime ?? null) ?? '';
  return outlookAt > stored.changedAt
    ? { kind: 'take_outlook', fields, conflict: true, changeKey }
    : { kind: 'keep_crm', lost: fields, changeKey };
}
