import type { Kysely } from 'kysely';
import { buildApprovalRequestCard } from '../cards/approval-card.js';
import { signCardRef } from '../cards/card-refs.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import { findTenant } from '../crm/crm-directory.js';
import { ADMIN_CONSENT_START_PATH } from '../sign-in/sign-in-routes.js';
import type { Database } from '../store/schema.js';
import type { StoredRequest } from './approval-store.js';

/**
 * The approval request's card as IT sees it now: requesters, reasons, decision, and buttons that name
 * the request through a signed card reference.
 */
export interface ApprovalCardDrawing {
  db: Kysely<Database>;
  cardKey: Buffer;
  publicUrl: string;
  now: () => Date;
}

export async function drawApprovalCard(
  deps: ApprovalCardDrawing,
  stored: StoredRequest,
): Promise<AdaptiveCardJson> {
  const { request } = stored;
  const tenant = await findTenant(deps.db, request.tenantId);
  const ref = await signCardRef(
    { kind: 'approval_request', id: request.id, tenantId: request.tenantId },
    { key: deps.cardKey, now: deps.now() },
  );
  return buildApprovalRequestCard({
    request,
    ref,
    tenantName: tenant?.name ?? request.tenantId,
    // Only a reference: the consent state is minted when IT opens it, so the card (and any URL log
    // that sees this link) holds nothing that can answer the consent callback.
    adminConsentUrl: `${deps.publicUrl}${ADMIN_CONSENT_START_PATH}?ref=${encodeURIComponent(ref)}`,
  });
}
