import type { Kysely } from 'kysely';
import type { ApprovalRequest, Decision } from './core/approval-requests.js';
import { fromJsonText, newId, nowIso, toJsonText } from '../store/columns.js';
import type { Database } from '../store/schema.js';

/**
 * The admin-consent approval requests as stored: one pending request per tenant, one row per waiting
 * user, and where the request's card was posted. Reads give the pure core's ApprovalRequest, so the
 * rules (who may, what a repeat does) never see a table.
 */

type Db = Kysely<Database>;

export interface StoredRequest {
  request: ApprovalRequest;
  /** The waiting users' CRM ids, in the order they asked. */
  crmUserIds: string[];
  cardConversationKey: string | null;
  cardActivityId: string | null;
}

export async function pendingRequestId(db: Db, tenantId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('approval_requests')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'pending')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.id;
}

export async function loadRequest(db: Db, requestId: string): Promise<StoredRequest | undefined> {
  const row = await db
    .selectFrom('approval_requests')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirst();
  if (!row) return undefined;
  const users = await db
    .selectFrom('approval_request_users as r')
    .innerJoin('crm_users as u', 'u.id', 'r.crm_user_id')
    .select([
      'r.crm_user_id',
      'r.justification',
      'r.requested_at',
      'u.display_name',
      'u.work_email',
      'u.teams_user_aad_id',
    ])
    .where('r.request_id', '=', requestId)
    .orderBy('r.requested_at')
    .execute();
  const request: ApprovalRequest = {
    id: row.id,
    tenantId: row.tenant_id,
    permissions: fromJsonText(row.requested_scopes),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    requesters: users.map((u) => ({
      aadObjectId: u.teams_user_aad_id ?? u.crm_user_id,
      name: u.display_name,
      email: u.work_email,
      justification: u.justification ?? undefined,
      firstRequestedAt: u.requested_at,
      lastRequestedAt: u.requested_at,
      attempts: 1,
    })),
    ...(row.decided_by && row.decided_at
      ? {
          decision: {
            outcome: row.status === 'declined' ? ('declined' as const) : ('granted' as const),
            by: row.decided_by,
            at: row.decided_at,
            reason: row.decline_reason ?? undefined,
          },
        }
      : {}),
  };
  return {
    request,
    crmUserIds: users.map((u) => u.crm_user_id),
    cardConversationKey: row.card_conversation_key,
    cardActivityId: row.card_activity_id,
  };
}

/** Adds the user to the tenant's pending request (opened if there is none); returns the request id. */
export async function addRequester(
  db: Db,
  input: { tenantId: string; crmUserId: string; permissions: string[]; at: string },
): Promise<string> {
  const { at } = input;
  let id = await pendingRequestId(db, input.tenantId);
  if (!id) {
    id = newId();
    await db
      .insertInto('approval_requests')
      .values({
        id,
        tenant_id: input.tenantId,
        status: 'pending',
        requested_scopes: toJsonText(input.permissions),
        card_conversation_key: null,
        card_activity_id: null,
        decided_by: null,
        decided_at: null,
        decline_reason: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  // A repeated attempt by the same user updates their one entry.
  await db
    .insertInto('approval_request_users')
    .values({
      request_id: id,
      crm_user_id: input.crmUserId,
      justification: null,
      requested_at: at,
      notified_at: null,
    })
    .onConflict((oc) => oc.columns(['request_id', 'crm_user_id']).doUpdateSet({ requested_at: at }))
    .execute();
  await db.updateTable('approval_requests').set({ updated_at: at }).where('id', '=', id).execute();
  return id;
}

export async function saveJustification(
  db: Db,
  requestId: string,
  crmUserId: string,
  text: string,
): Promise<void> {
  await db
    .updateTable('approval_request_users')
    .set({ justification: text })
    .where('request_id', '=', requestId)
    .where('crm_user_id', '=', crmUserId)
    .execute();
}

export async function removeRequester(db: Db, requestId: string, crmUserId: string): Promise<void> {
  await db
    .deleteFrom('approval_request_users')
    .where('request_id', '=', requestId)
    .where('crm_user_id', '=', crmUserId)
    .execute();
}

/**
 * Records IT's decision if the request is still pending (compare-and-set, so two people deciding at
 * once cannot both win); a grant also marks the tenant as consented. Returns whether this one won.
 */
export async function recordDecision(
  db: Db,
  request: Pick<ApprovalRequest, 'id' | 'tenantId'>,
  d: Decision,
): Promise<boolean> {
  const changed = await db
    .updateTable('approval_requests')
    .set({
      status: d.outcome,
      decided_by: d.by,
      decided_at: d.at,
      decline_reason: d.reason ?? null,
      updated_at: d.at,
    })
    .where('id', '=', request.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) return false;
  if (d.outcome === 'granted') {
    await db
      .updateTable('tenants')
      .set({ consent_granted_at: d.at, updated_at: d.at })
      .where('id', '=', request.tenantId)
      .execute();
  }
  return true;
}

export async function markNotified(db: Db, requestId: string, crmUserId: string): Promise<void> {
  await db
    .updateTable('approval_request_users')
    .set({ notified_at: nowIso() })
    .where('request_id', '=', requestId)
    .where('crm_user_id', '=', crmUserId)
    .execute();
}

/** Where the request's card now is; null forgets it, so the next publish posts a new one. */
export async function rememberCard(
  db: Db,
  requestId: string,
  where: { conversationKey: string; activityId: string | null } | null,
): Promise<void> {
  await db
    .updateTable('approval_requests')
    .set({
      card_conversation_key: where?.conversationKey ?? null,
      card_activity_id: where?.activityId ?? null,
      ...(where ? { updated_at: nowIso() } : {}),
    })
    .where('id', '=', requestId)
    .execute();
}
