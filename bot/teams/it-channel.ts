import { TurnContext, type ConversationReference } from 'botbuilder';
import type { Kysely } from 'kysely';
import { nowIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import { referenceByKey, saveReference } from './conversation-refs-store.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * The tenant's IT channel: where approval-request cards go, and the only place their buttons work.
 * A channel message's conversation id names the thread (`;messageid=`); the channel itself is the part
 * before it, which is where new cards are posted.
 */

const channelKey = (tenantId: string) => `it-channel:${tenantId}`;

export function channelIdOf(conversationId: string): string {
  return conversationId.split(';messageid=')[0]!;
}

export async function registerItChannel(
  db: Kysely<Database>,
  context: TurnContext,
  tenantId: string,
  auditActor: string,
): Promise<void> {
  const ref = TurnContext.getConversationReference(context.activity) as Partial<ConversationReference>;
  const channelRef = {
    ...ref,
    conversation: { ...ref.conversation!, id: channelIdOf(ref.conversation!.id), tenantId },
  };
  const key = channelKey(tenantId);
  await saveReference(db, key, channelRef, { overwrite: true, kind: 'channel' });
  const at = nowIso();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tenants')
      .set({ it_channel_ref_key: key, updated_at: at })
      .where('id', '=', tenantId)
      .execute();
    await recordAudit(trx, {
      tenant_id: tenantId,
      actor: auditActor,
      action: 'it_channel_set',
      subject: channelRef.conversation.id,
      reason: 'IT channel chosen in Teams',
      at,
    });
  });
}

/** Whether an activity comes from the tenant's registered IT channel. */
export async function isItChannel(
  db: Kysely<Database>,
  tenantId: string,
  conversationId: string,
): Promise<boolean> {
  const tenant = await db
    .selectFrom('tenants')
    .select('it_channel_ref_key')
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!tenant?.it_channel_ref_key) return false;
  const ref = await referenceByKey(db, tenant.it_channel_ref_key);
  return ref?.conversation?.id !== undefined && ref.conversation.id === channelIdOf(conversationId);
}
