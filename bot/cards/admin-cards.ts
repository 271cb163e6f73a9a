import { describeState } from '../enablement/describe-state.js';
import type { EnablementState } from '../enablement/states.js';
import { type AdaptiveCardJson, expandCard } from './expand.js';
import { formatWhen } from './format.js';
import emailCorrectionTemplate from './templates/email-correction-request.json' with { type: 'json' };
import userListTemplate from './templates/user-list.json' with { type: 'json' };
import visibilityRequestTemplate from './templates/visibility-request.json' with { type: 'json' };

/** Cards for CRM administrators. `ref` is a signed visibility-request reference. */

export interface VisibilityDecision {
  outcome: 'granted' | 'declined';
  by: string;
  at: Date;
}

/** The Grant/Decline card; with `decision` it is the updated card everyone sees afterwards. */
export function buildVisibilityRequestCard(input: {
  ref: string;
  userName: string;
  userEmail: string;
  requestedAt: Date;
  decision?: VisibilityDecision;
  timeZone?: string;
}): AdaptiveCardJson {
  const d = input.decision;
  return expandCard(visibilityRequestTemplate, {
    ref: input.ref,
    userName: input.userName,
    userEmail: input.userEmail,
    requestedAt: formatWhen(input.requestedAt, input.timeZone),
    decided: d !== undefined,
    decisionText: d
      ? `${d.outcome === 'granted' ? 'Granted' : 'Declined'} by ${d.by} on ${formatWhen(d.at, input.timeZone)}.`
      : '',
  });
}

export function buildEmailCorrectionRequestCard(input: {
  userName: string;
  signedInAddress: string;
  crmAddress: string;
}): AdaptiveCardJson {
  return expandCard(emailCorrectionTemplate, { ...input });
}

export function buildUserListCard(input: {
  users: ReadonlyArray<{ name: string; email: string; state: EnablementState }>;
}): AdaptiveCardJson {
  return expandCard(userListTemplate, {
    users: input.users.map((u) => ({
      name: u.name,
      email: u.email,
      stateTitle: describeState(u.state, { viewer: 'crm_admin' }).title,
    })),
  });
}
