import type { EnablementEvent } from './states.js';

type EventOf<T extends EnablementEvent['type']> = Extract<EnablementEvent, { type: T }>;

/** What the user should be shown after a transition; the binding picks the card and the channel. */
export type UserNotice =
  | { kind: 'visibility_granted' }
  /** `syncStopped`: the user's sync was on (or being switched on) and revoking stopped it. */
  | { kind: 'visibility_revoked'; syncStopped: boolean }
  | { kind: 'sign_in' }
  | { kind: 'work_email_corrected'; address: string }
  | { kind: 'sign_in_failed'; cancelled: boolean; reason: string }
  | { kind: 'waiting_for_it' }
  | { kind: 'consent_granted' }
  | { kind: 'consent_declined'; reason: string }
  | ({ kind: 'identity_mismatch' } & Omit<EventOf<'identity_mismatch_detected'>, 'type'>)
  | { kind: 'service_active' }
  | { kind: 'activation_failed'; reason: string }
  | { kind: 'reconnect_required'; cause: EventOf<'token_revoked'>['cause'] }
  | { kind: 'paused' }
  | { kind: 'resumed' }
  | {
      kind: 'disabled';
      retention: EventOf<'disable'>['retention'];
      /** Events written from CRM appointments that were taken out of the user's calendar. */
      calendarEventsRemoved?: number;
      /** With retention "purge": what left TriSys, and what stays because a colleague's sync holds it too. */
      removedFromCrm?: RemovedFromCrm;
    };

export interface RemovedFromCrm {
  mail: number;
  diary: number;
  /** Items also copied for a colleague: no longer this user's, but still that colleague's record. */
  kept: number;
}

/**
 * Side effects a transition asks for, as data. The binding performs them in order; the state machine
 * never does I/O itself.
 */
export type Effect =
  | { type: 'notify_user'; notice: UserNotice }
  | { type: 'notify_crm_admins'; request: 'visibility' | 'work_email_correction' }
  /** Record the attempt on the tenant's approval request and post or update the IT channel card. */
  | { type: 'notify_it_channel'; request: 'admin_consent' }
  | { type: 'update_approval_request'; justification: string }
  /** The user stopped waiting on the tenant's approval request (retried, cancelled or lost visibility). */
  | { type: 'leave_approval_request' }
  /** Store the tokens in the vault and register the account; report activation_succeeded/failed. */
  | { type: 'activate' }
  | { type: 'delete_tokens' }
  | { type: 'start_sync' }
  /** Stop the worker for the account and remove its Graph subscriptions. */
  | { type: 'stop_sync' }
  /** Show the first import's progress in chat, and send the confirmation e-mail once it has started. */
  | { type: 'follow_first_import' }
  | { type: 'purge_data' };
