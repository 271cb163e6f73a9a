import type { Effect } from './effects.js';
import type {
  Actor,
  EnablementEvent,
  EnablementEventType,
  EnablementState,
  EnablementSubject,
} from './states.js';

export interface AuditEntry {
  from: EnablementState;
  to: EnablementState;
  event: EnablementEventType;
  actor: Actor;
  reason: string;
  at: string;
}

/**
 * A refusal says why: `role` when the actor may never cause the event, `state` when the event does not
 * apply to where the account now stands (a button on an old card, say).
 */
export type TransitionResult =
  | { ok: true; next: EnablementState; audit: AuditEntry; effects: Effect[] }
  | { ok: false; error: string; cause: 'role' | 'state' };

type Role = 'owner' | 'crm_admin' | 'it_admin' | 'system';
type EventOf<T extends EnablementEventType> = Extract<EnablementEvent, { type: T }>;
type Outcome = { next: EnablementState; effects: Effect[] };
type Rules = { [S in EnablementState]: { [E in EnablementEventType]?: (event: EventOf<E>) => Outcome } };

/** Who may cause each event. Pause, resume and disable are open to CRM admins so they can act for a user. */
const allowedRoles: Record<EnablementEventType, readonly Role[]> = {
  visibility_granted: ['crm_admin'],
  visibility_revoked: ['crm_admin'],
  visibility_requested: ['owner'],
  start_requested: ['owner'],
  sign_in_completed: ['system'],
  sign_in_failed: ['system'],
  admin_consent_required: ['system'],
  justification_submitted: ['owner'],
  admin_consent_granted: ['it_admin', 'system'],
  admin_consent_declined: ['it_admin'],
  identity_mismatch_detected: ['system'],
  correction_requested: ['owner'],
  work_email_corrected: ['crm_admin'],
  enablement_cancelled: ['owner'],
  activation_succeeded: ['system'],
  activation_failed: ['system'],
  token_revoked: ['system'],
  reconnect_requested: ['owner'],
  pause: ['owner', 'crm_admin'],
  resume: ['owner', 'crm_admin'],
  disable: ['owner', 'crm_admin'],
};

const eventLabels: Record<EnablementEventType, string> = {
  visibility_granted: 'grant Cloud Sync visibility',
  visibility_revoked: 'revoke Cloud Sync visibility',
  visibility_requested: 'ask for Cloud Sync visibility',
  start_requested: 'start signing in',
  sign_in_completed: 'complete sign-in',
  sign_in_failed: 'report a failed sign-in',
  admin_consent_required: 'report that admin approval is needed',
  justification_submitted: 'send a reason to IT',
  admin_consent_granted: 'mark the approval as granted',
  admin_consent_declined: 'mark the approval as declined',
  identity_mismatch_detected: 'report an account mismatch',
  correction_requested: 'ask for the work e-mail to be corrected',
  work_email_corrected: 'correct the work e-mail',
  enablement_cancelled: 'cancel enabling Cloud Sync',
  activation_succeeded: 'finish switching on Cloud Sync',
  activation_failed: 'report a failed activation',
  token_revoked: 'report a revoked sign-in',
  reconnect_requested: 'reconnect',
  pause: 'pause Cloud Sync',
  resume: 'resume Cloud Sync',
  disable: 'switch off Cloud Sync',
};

const stateLabels: Record<EnablementState, string> = {
  not_visible: 'not yet made available to you by your CRM administrator',
  ready: 'ready but not switched on',
  signing_in: 'waiting for you to sign in',
  awaiting_admin_consent: 'waiting for IT to approve it',
  identity_mismatch: 'blocked because the accounts do not match',
  activating: 'being switched on',
  active: 'on',
  reconnect_required: 'waiting for you to reconnect',
  paused: 'paused',
  disabled: 'switched off',
};

const roleLabels: Record<Role, string> = {
  owner: 'the account owner',
  crm_admin: 'a CRM administrator',
  it_admin: 'IT',
  system: 'Cloud Sync itself',
};

const notify = (notice: Extract<Effect, { type: 'notify_user' }>['notice']): Effect => ({
  type: 'notify_user',
  notice,
});

const signIn = (): Outcome => ({ next: 'signing_in', effects: [notify({ kind: 'sign_in' })] });

/** Losing visibility ends everything in flight; what must be undone depends on how far the user got. */
const loseVisibility = (undo: Effect[]) => (): Outcome => ({
  next: 'not_visible',
  effects: [
    ...undo,
    notify({
      kind: 'visibility_revoked',
      syncStopped: undo.some((e) => e.type === 'stop_sync' || e.type === 'delete_tokens'),
    }),
  ],
});

const revokingAdmin: Actor = { kind: 'person', aadObjectId: 'crm-admin', crmAdmin: true, itAdmin: false };

/**
 * Whether revoking the user's visibility now would stop their sync (or one being switched on): an
 * administrator is asked to confirm that first. Read from the rules above, so the two cannot disagree.
 */
export function revokeStopsSync(state: EnablementState): boolean {
  const result = transition(
    { state, ownerAadObjectId: 'owner' },
    { type: 'visibility_revoked' },
    revokingAdmin,
    new Date(0),
  );
  return (
    result.ok &&
    result.effects.some(
      (e) => e.type === 'notify_user' && e.notice.kind === 'visibility_revoked' && e.notice.syncStopped,
    )
  );
}

const disable = (event: EventOf<'disable'>): Outcome => ({
  next: 'disabled',
  effects: [
    { type: 'stop_sync' },
    { type: 'delete_tokens' },
    ...(event.retention === 'purge' ? [{ type: 'purge_data' } as const] : []),
    notify({ kind: 'disabled', retention: event.retention }),
  ],
});

const rules: Rules = {
  not_visible: {
    visibility_granted: () => ({ next: 'ready', effects: [notify({ kind: 'visibility_granted' })] }),
    visibility_requested: () => ({
      next: 'not_visible',
      effects: [{ type: 'notify_crm_admins', request: 'visibility' }],
    }),
  },
  ready: {
    start_requested: signIn,
    visibility_revoked: loseVisibility([]),
  },
  signing_in: {
    // A second start issues a fresh sign-in link; the old one may have expired.
    start_requested: signIn,
    sign_in_completed: () => ({ next: 'activating', effects: [{ type: 'activate' }] }),
    sign_in_failed: (e) => ({
      next: 'ready',
      effects: [notify({ kind: 'sign_in_failed', cancelled: e.cancelled, reason: e.reason })],
    }),
    admin_consent_required: () => ({
      next: 'awaiting_admin_consent',
      effects: [{ type: 'notify_it_channel', request: 'admin_consent' }, notify({ kind: 'waiting_for_it' })],
    }),
    identity_mismatch_detected: (e) => ({
      next: 'identity_mismatch',
      effects: [
        { type: 'delete_tokens' },
        notify({
          kind: 'identity_mismatch',
          mismatch: e.mismatch,
          signedInAddress: e.signedInAddress,
          expectedAddress: e.expectedAddress,
        }),
      ],
    }),
    enablement_cancelled: () => ({ next: 'ready', effects: [] }),
    visibility_revoked: loseVisibility([]),
  },
  awaiting_admin_consent: {
    justification_submitted: (e) => ({
      next: 'awaiting_admin_consent',
      effects: [{ type: 'update_approval_request', justification: e.justification }],
    }),
    admin_consent_granted: () => ({ next: 'signing_in', effects: [notify({ kind: 'consent_granted' })] }),
    admin_consent_declined: (e) => ({
      next: 'ready',
      effects: [notify({ kind: 'consent_declined', reason: e.reason })],
    }),
    // IT may have granted consent in the Entra portal without telling us, so a retry is allowed.
    start_requested: () => ({
      next: 'signing_in',
      effects: [{ type: 'leave_approval_request' }, notify({ kind: 'sign_in' })],
    }),
    enablement_cancelled: () => ({ next: 'ready', effects: [{ type: 'leave_approval_request' }] }),
    visibility_revoked: loseVisibility([{ type: 'leave_approval_request' }]),
  },
  identity_mismatch: {
    start_requested: signIn,
    correction_requested: () => ({
      next: 'identity_mismatch',
      effects: [{ type: 'notify_crm_admins', request: 'work_email_correction' }],
    }),
    // The mismatch is gone: the user resumes at the sign-in they stopped at.
    work_email_corrected: (e) => ({
      next: 'signing_in',
      effects: [notify({ kind: 'work_email_corrected', address: e.address })],
    }),
    enablement_cancelled: () => ({ next: 'ready', effects: [] }),
    visibility_revoked: loseVisibility([]),
  },
  activating: {
    activation_succeeded: () => ({
      next: 'active',
      effects: [
        { type: 'start_sync' },
        notify({ kind: 'service_active' }),
        // The confirmation e-mail waits until the import has started without error.
        { type: 'follow_first_import' },
      ],
    }),
    activation_failed: (e) => ({
      next: 'ready',
      effects: [{ type: 'delete_tokens' }, notify({ kind: 'activation_failed', reason: e.reason })],
    }),
    visibility_revoked: loseVisibility([{ type: 'delete_tokens' }]),
  },
  active: {
    token_revoked: (e) => ({
      next: 'reconnect_required',
      effects: [
        { type: 'stop_sync' },
        { type: 'delete_tokens' },
        notify({ kind: 'reconnect_required', cause: e.cause }),
      ],
    }),
    pause: () => ({ next: 'paused', effects: [{ type: 'stop_sync' }, notify({ kind: 'paused' })] }),
    disable,
    visibility_revoked: loseVisibility([{ type: 'stop_sync' }, { type: 'delete_tokens' }]),
  },
  reconnect_required: {
    reconnect_requested: signIn,
    disable,
    visibility_revoked: loseVisibility([{ type: 'stop_sync' }, { type: 'delete_tokens' }]),
  },
  paused: {
    resume: () => ({ next: 'active', effects: [{ type: 'start_sync' }, notify({ kind: 'resumed' })] }),
    disable,
    visibility_revoked: loseVisibility([{ type: 'stop_sync' }, { type: 'delete_tokens' }]),
  },
  disabled: {
    start_requested: signIn,
    visibility_revoked: loseVisibility([]),
  },
};

function rolesOf(actor: Actor, subject: EnablementSubject): Role[] {
  if (actor.kind === 'system') return ['system'];
  const roles: Role[] = [];
  if (actor.aadObjectId === subject.ownerAadObjectId) roles.push('owner');
  if (actor.crmAdmin) roles.push('crm_admin');
  if (actor.itAdmin) roles.push('it_admin');
  return roles;
}

function auditReason(event: EnablementEvent): string {
  switch (event.type) {
    case 'sign_in_failed':
      return `${event.cancelled ? 'sign-in cancelled' : 'sign-in failed'}: ${event.reason}`;
    case 'admin_consent_declined':
      return `IT declined: ${event.reason}`;
    case 'identity_mismatch_detected':
      return `${event.mismatch}: signed in as ${event.signedInAddress}, expected ${event.expectedAddress}`;
    case 'activation_failed':
      return `activation failed: ${event.reason}`;
    case 'token_revoked':
      return `sign-in no longer valid (${event.cause})`;
    case 'disable':
      return `switched off, data ${event.retention === 'purge' ? 'purged' : 'kept'}`;
    case 'justification_submitted':
      return 'justification sent to IT';
    case 'work_email_corrected':
      return `work e-mail corrected to ${event.address}`;
    default:
      return eventLabels[event.type];
  }
}

/** Decides one enablement step: who may, whether the state allows it, and what must happen next. */
export function transition(
  current: EnablementSubject,
  event: EnablementEvent,
  actor: Actor,
  now: Date,
): TransitionResult {
  const allowed = allowedRoles[event.type];
  if (!rolesOf(actor, current).some((r) => allowed.includes(r))) {
    return {
      ok: false,
      cause: 'role',
      error: `Only ${allowed.map((r) => roleLabels[r]).join(' or ')} can ${eventLabels[event.type]}.`,
    };
  }
  const rule = rules[current.state][event.type] as ((e: EnablementEvent) => Outcome) | undefined;
  if (!rule) {
    return {
      ok: false,
      cause: 'state',
      error: `Cannot ${eventLabels[event.type]} now: Cloud Sync is ${stateLabels[current.state]}.`,
    };
  }
  const { next, effects } = rule(event);
  return {
    ok: true,
    next,
    effects,
    audit: {
      from: current.state,
      to: next,
      event: event.type,
      actor,
      reason: auditReason(event),
      at: now.toISOString(),
    },
  };
}
