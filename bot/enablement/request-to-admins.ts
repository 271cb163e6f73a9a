import type { Kysely } from 'kysely';
import type { AdaptiveCardJson } from '../cards/expand.js';
import { crmAdmins } from '../crm/crm-directory.js';
import type { Database, RequestCardKind } from '../store/schema.js';
import type { Notifier } from '../teams/notifier.js';
import { rememberRequestCard } from './request-cards-store.js';

type AdminAddress = { aadObjectId: string | null; email?: string };

/**
 * Posts a request's card to every CRM administrator the bot can reach, remembering each posted card so
 * the decision can redraw it; returns how many were reached (an unreachable chat does not stop the rest).
 */
export async function sendToCrmAdmins(
  db: Kysely<Database>,
  notifier: Notifier,
  kind: RequestCardKind,
  request: { id: string; tenantId: string },
  cardFor: (admin: AdminAddress) => Promise<AdaptiveCardJson>,
): Promise<number> {
  let reached = 0;
  for (const admin of await crmAdmins(db, request.tenantId)) {
    const who = { aadObjectId: admin.teamsAadObjectId, email: admin.workEmail };
    const delivered = await notifier.toUserTracked(request.tenantId, who, await cardFor(who));
    if (!delivered) continue;
    reached += 1;
    await rememberRequestCard(db, kind, request.id, {
      conversationKey: delivered.referenceKey,
      activityId: delivered.activityId,
      recipientId: delivered.userId ?? null,
      recipientName: admin.displayName,
    });
  }
  return reached;
}
