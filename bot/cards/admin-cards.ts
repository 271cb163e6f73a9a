import { describeState } from '../enablement/core/describe-state.js';
import type { EnablementState } from '../enablement/core/states.js';
import { type AdaptiveCardJson, expandCard } from './expand.js';
import { formatWhen } from './format.js';
import { noticeColor, type NoticeTone } from './user-cards.js';
import emailCorrectionTemplate from './templates/email-correction-request.json' with { type: 'json' };
import revokeConfirmationTemplate from './templates/revoke-confirmation.json' with { type: 'json' };
import userListTemplate from './templates/user-list.json' with { type: 'json' };
import visibilityRequestTemplate from './templates/visibility-request.json' with { type: 'json' };

/** Cards for CRM administrators. `ref` is a signed visibility-request reference. */

export interface VisibilityDecision {
  outcome: 'granted' | 'declined';
  by: string;
  at: Date;
}

/**
 * The Grant/Decline card; with `decision` it is the card every administrator who received the request
 * sees afterwards, without buttons. `requestedAt` is when the user asked, never when the card was drawn.
 */
export function buildVisibilityRequestCard(input: {
  ref: string;
  userName: string;
  userEmail: string;
  requestedAt: Date;
  decision?: VisibilityDecision;
  /** The administrator's who reads this card. */
  timeZone: string;
}): AdaptiveCardJson {
  const d = input.decision;
  return expandCard(visibilityRequestTemplate, {
    ref: input.ref,
    userName: input.userName,
    userEmail: input.userEmail,
    requestedAt: formatWhen(input.requestedAt, input.timeZone),
    decided: d !== undefined,
    decisionColor: d?.outcome === 'declined' ? 'Warning' : 'Good',
    decisionText: d
      ? `${d.outcome === 'granted' ? 'Granted' : 'Declined'} by ${d.by} on ${formatWhen(d.at, input.timeZone)}.`
      : '',
  });
}

/**
 * Asks CRM administrators to correct a work e-mail to the address the user has in Microsoft 365. For a
 * user the CRM could not match (`crmAddress` empty) the administrator chooses which CRM user it is.
 */
export function buildEmailCorrectionRequestCard(input: {
  ref: string;
  userName: string;
  signedInAddress: string;
  crmAddress: string;
  addressesTried?: readonly string[];
  crmUsers?: ReadonlyArray<{ id: string; name: string; email: string }>;
  /** Set once corrected: what was done, shown instead of the button. */
  done?: string;
}): AdaptiveCardJson {
  return expandCard(emailCorrectionTemplate, {
    ref: input.ref,
    userName: input.userName,
    signedInAddress: input.signedInAddress,
    crmAddress: input.crmAddress,
    addressesTried: (input.addressesTried ?? []).join(', '),
    crmUsers: (input.crmUsers ?? []).map((u) => ({ title: `${u.name} (${u.email})`, value: u.id })),
    done: input.done !== undefined,
    doneText: input.done ?? '',
  });
}

/** `list users`: everyone with their state in words and a Grant or Revoke button; `notice` says what just changed. */
export function buildUserListCard(input: {
  users: ReadonlyArray<{
    name: string;
    email: string;
    state: EnablementState;
    visible: boolean;
    /** Signed `crm_user` reference for the user's button. */
    ref: string;
  }>;
  notice?: string;
  noticeTone?: NoticeTone;
}): AdaptiveCardJson {
  return expandCard(userListTemplate, {
    notice: input.notice ?? '',
    noticeColor: noticeColor(input.noticeTone),
    users: input.users.map((u) => ({
      name: u.name,
      email: u.email,
      visible: u.visible,
      ref: u.ref,
      stateTitle: describeState(u.state, { viewer: 'crm_admin' }).title,
    })),
  });
}

/** Asked before revoking a user whose sync is on, because revoking stops it. */
export function buildRevokeConfirmationCard(input: {
  ref: string;
  userName: string;
  userEmail: string;
  state: EnablementState;
}): AdaptiveCardJson {
  return expandCard(revokeConfirmationTemplate, {
    ref: input.ref,
    userName: input.userName,
    userEmail: input.userEmail,
    stateTitle: describeState(input.state, { viewer: 'crm_admin' }).title,
  });
}
