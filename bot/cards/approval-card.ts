import type { ApprovalRequest } from '../enablement/core/approval-requests.js';
import { type AdaptiveCardJson, expandCard } from './expand.js';
import { readerLocalTime } from './format.js';
import approvalRequestTemplate from './templates/approval-request.json' with { type: 'json' };

/**
 * The IT channel's approval-request card, built from the request record so that every update (a new
 * user waiting, a justification, the decision) redraws the same card for everyone in the channel.
 * Everyone in the channel reads the one card, each in their own zone, so its times are Adaptive Cards'
 * DATE and TIME functions, which each reader's Teams writes in that reader's zone.
 */
export function buildApprovalRequestCard(input: {
  request: ApprovalRequest;
  /** Signed approval-request reference. */
  ref: string;
  tenantName: string;
  adminConsentUrl: string;
}): AdaptiveCardJson {
  const { request } = input;
  const when = (iso: string) => readerLocalTime(new Date(iso));
  const decision = request.decision;
  return expandCard(approvalRequestTemplate, {
    ref: input.ref,
    tenantName: input.tenantName,
    tenantId: request.tenantId,
    permissions: request.permissions.join(', '),
    requestedAt: when(request.createdAt),
    adminConsentUrl: input.adminConsentUrl,
    requesters: request.requesters.map((r) => ({
      name: r.name,
      email: r.email,
      justification: r.justification ?? '',
      attemptsText:
        r.attempts === 1
          ? `Asked ${when(r.lastRequestedAt)}`
          : `Asked ${r.attempts} times, last ${when(r.lastRequestedAt)}`,
    })),
    decided: decision !== undefined,
    decisionColor: decision?.outcome === 'declined' ? 'Attention' : 'Good',
    decisionText: decision
      ? decision.outcome === 'granted'
        ? `Granted by ${decision.by}. Everyone waiting has been told and can carry on.`
        : `Declined by ${decision.by}: ${decision.reason ?? ''}`
      : '',
    decidedAt: decision ? when(decision.at) : '',
  });
}
