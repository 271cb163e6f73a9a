import type { Kysely } from 'kysely';
import { nowIso } from '../store/columns.js';
import type { Database, RequestCardKind } from '../store/schema.js';

/**
 * Where the cards of a request to CRM administrators went (one per administrator reached), so the
 * decision can redraw every one of them, and who received them, for the cards' refresh `userIds`.
 */

type Db = Kysely<Database>;

export interface PostedCard {
  conversationKey: string;
  activityId: string;
  recipientId: string | null;
  recipientName: string;
}

export async function rememberRequestCard(
  db: Db,
  kind: RequestCardKind,
  requestId: string,
  card: PostedCard,
): Promise<void> {
  await db
    .insertInto('request_cards')
    .values({
      request_kind: kind,
      request_id: requestId,
      conversation_key: card.conversationKey,
      activity_id: card.activityId,
      recipient_id: card.recipientId,
      recipient_name: card.recipientName,
      posted_at: nowIso(),
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function requestCards(db: Db, kind: RequestCardKind, requestId: string): Promise<PostedCard[]> {
  const rows = await db
    .selectFrom('request_cards')
    .select(['conversation_key', 'activity_id', 'recipient_id', 'recipient_name'])
    .where('request_kind', '=', kind)
    .where('request_id', '=', requestId)
    .orderBy('posted_at')
    .execute();
  return rows.map((r) => ({
    conversationKey: r.conversation_key,
    activityId: r.activity_id,
    recipientId: r.recipient_id,
    recipientName: r.recipient_name,
  }));
}
