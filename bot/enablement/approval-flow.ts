import {
  adminConsentState,
  ADMIN_CONSENT_CALLBACK_PATH,
  ADMIN_CONSENT_START_PATH,
  type AdminConsentStart,
} from '../sign-in/sign-in-routes.js';
import { buildApprovalRequestCard } from '../cards/approval-card.js';
import { signCardRef, verifyCardRef } from '../cards/card-refs.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import {
  declineRequest,
  grantRequest,
  setJustification,
  type ApprovalRequest,
} from './core/approval-requests.js';
import { buildAdminConsentUrl } from './core/consent-errors.js';
import { graphPermissions } from '../sign-in/oidc-scopes.js';
import type { Actor } from './core/states.js';
import type { Logger } from '../logging/logger.js';
import { newId, nowIso, toJsonText, fromJsonText } from '../store/columns.js';
import type { Store } from '../store/store.js';
import { findTenant } from '../crm/crm-directory.js';
import type { Owner } from '../cards/card-factory.js';
import type { Notifier } from '../teams/notifier.js';

/**
 * The tenant's admin-consent approval request (one pending per tenant, so IT sees one card however many
 * ask) in the store, its card in the IT channel kept up to date for everyone, and IT's decision handed
 * back to every waiting user. The rules (who may, what a repeat does) are the pure ones in
 * enablement/core/approval-requests.ts.
 */

export interface ApprovalFlowDeps {
  store: Store;
  notifier: Notifier;
  logger: Logger;
  cardKey: Buffer;
  adminConsentKey: Uint8Array;
  authorityHost: string;
  clientId: string;
  publicUrl: string;
  scopes: readonly string[];
  now?: () => Date;
}

/** Called for each waiting user after IT decided; the enablement service applies the event. */
export type DecisionListener = (
  crmUserId: string,
  decision: { outcome: 'granted' } | { outcome: 'declined'; reason: string },
  decidedBy: DecidedBy,
) => Promise<void>;

/** Who decided: the name shown on the card, and the actor the waiting users' transitions record. */
export interface DecidedBy {
  name: string;
  actor: Actor;
  auditActor: string;
}

export interface ApprovalFlow {
  consentInfo(tenantId: string): Promise<{ itChannelKnown: boolean }>;
  recordAttempt(owner: Owner): Promise<void>;
  justify(owner: Owner, text: string): Promise<{ ok: true } | { ok: false; error: string }>;
  leave(owner: Owner): Promise<void>;
  decide(
    requestId: string,
    decision: { outcome: 'granted' } | { outcome: 'declined'; reason: string },
    by: DecidedBy,
  ): Promise<{ ok: true; card: AdaptiveCardJson } | { ok: false; error: string }>;
  /** The pending request of the tenant, if any (the admin consent callback may name an old one). */
  pendingId(tenantId: string): Promise<string | undefined>;
  card(requestId: string): Promise<AdaptiveCardJson | undefined>;
  /** Where the card's consent button leads: Microsoft's consent page for an open request, with fresh state. */
  consentStart(ref: string): Promise<AdminConsentStart>;
  onDecision(listener: DecisionListener): void;
  /** Posts the tenant's pending request to a newly chosen IT channel. */
  channelChosen(tenantId: string): Promise<void>;
}

export function createApprovalFlow(deps: ApprovalFlowDeps): ApprovalFlow {
  const now = deps.now ?? (() => new Date());
  const db = deps.store.db;
  const permissions = graphPermissions(deps.scopes);
  let listener: DecisionListener = async () => undefined;

  async function adminConsentUrl(tenantId: string, requestId: string): Promise<string> {
    return buildAdminConsentUrl({
      authorityHost: deps.authorityHost,
      tenant: tenantId,
      clientId: deps.clientId,
      redirectUri: `${deps.publicUrl}${ADMIN_CONSENT_CALLBACK_PATH}`,
      scopes: permissions,
      state: await adminConsentState(deps.adminConsentKey, { tenantId, requestId }, now()),
    });
  }

  async function pendingId(tenantId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('approval_requests')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('status', '=', 'pending')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row?.id;
  }

  async function load(requestId: string) {
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
      users,
      cardConversationKey: row.card_conversation_key,
      cardActivityId: row.card_activity_id,
    };
  }

  async function card(requestId: string): Promise<AdaptiveCardJson | undefined> {
    const loaded = await load(requestId);
    if (!loaded) return undefined;
    const tenant = await findTenant(db, loaded.request.tenantId);
    const ref = signCardRef(
      { kind: 'approval_request', id: requestId, tenantId: loaded.request.tenantId },
      { key: deps.cardKey, now: now() },
    );
    return buildApprovalRequestCard({
      request: loaded.request,
      ref,
      tenantName: tenant?.name ?? loaded.request.tenantId,
      // Only a reference: the consent state is minted when IT opens it, so the card (and any URL log
      // that sees this link) holds nothing that can answer the consent callback.
      adminConsentUrl: `${deps.publicUrl}${ADMIN_CONSENT_START_PATH}?ref=${encodeURIComponent(ref)}`,
    });
  }

  async function consentStart(token: string): Promise<AdminConsentStart> {
    const checked = verifyCardRef(token, { key: deps.cardKey, now: now() });
    if (!checked.ok) return { ok: false, status: 400, message: checked.error };
    const { ref } = checked;
    const row =
      ref.k === 'approval_request'
        ? await db
            .selectFrom('approval_requests')
            .select(['status'])
            .where('id', '=', ref.id)
            .where('tenant_id', '=', ref.tid)
            .executeTakeFirst()
        : undefined;
    if (!row) return { ok: false, status: 404, message: 'There is no such approval request.' };
    if (row.status !== 'pending') {
      return { ok: false, status: 409, message: `This request has already been ${row.status}.` };
    }
    return { ok: true, url: await adminConsentUrl(ref.tid, ref.id) };
  }

  /** Posts the card to the IT channel the first time, and redraws it in place afterwards. */
  async function publish(requestId: string): Promise<void> {
    const loaded = await load(requestId);
    if (!loaded) return;
    const tenant = await findTenant(db, loaded.request.tenantId);
    const drawn = await card(requestId);
    if (!drawn) return;
    try {
      if (loaded.cardConversationKey && loaded.cardActivityId) {
        await deps.notifier.update(loaded.cardConversationKey, loaded.cardActivityId, drawn);
        return;
      }
      if (!tenant?.itChannelRefKey) return;
      const activityId = await deps.notifier.post(tenant.itChannelRefKey, drawn);
      await db
        .updateTable('approval_requests')
        .set({
          card_conversation_key: tenant.itChannelRefKey,
          card_activity_id: activityId ?? null,
          updated_at: nowIso(),
        })
        .where('id', '=', requestId)
        .execute();
    } catch (err) {
      // The request stays recorded; the next change or decision redraws the card.
      deps.logger.warn({ requestId, err: (err as Error).message }, 'could not post the approval card');
    }
  }

  return {
    pendingId,
    card,
    consentStart,
    onDecision(l) {
      listener = l;
    },

    async channelChosen(tenantId) {
      const id = await pendingId(tenantId);
      if (!id) return;
      // A card posted in a previous IT channel stays there; the new channel gets its own.
      await db
        .updateTable('approval_requests')
        .set({ card_conversation_key: null, card_activity_id: null })
        .where('id', '=', id)
        .execute();
      await publish(id);
    },

    async consentInfo(tenantId) {
      const tenant = await findTenant(db, tenantId);
      return { itChannelKnown: Boolean(tenant?.itChannelRefKey) };
    },

    async recordAttempt(owner) {
      const at = now().toISOString();
      let id = await pendingId(owner.account.tenantId);
      if (!id) {
        id = newId();
        await db
          .insertInto('approval_requests')
          .values({
            id,
            tenant_id: owner.account.tenantId,
            status: 'pending',
            requested_scopes: toJsonText(permissions),
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
          crm_user_id: owner.user.id,
          justification: null,
          requested_at: at,
          notified_at: null,
        })
        .onConflict((oc) => oc.columns(['request_id', 'crm_user_id']).doUpdateSet({ requested_at: at }))
        .execute();
      await db.updateTable('approval_requests').set({ updated_at: at }).where('id', '=', id).execute();
      await publish(id);
    },

    async justify(owner, text) {
      const id = await pendingId(owner.account.tenantId);
      const loaded = id ? await load(id) : undefined;
      if (!id || !loaded)
        return { ok: false, error: 'There is no open approval request to add your reason to.' };
      const checked = setJustification(
        loaded.request,
        owner.user.teamsAadObjectId ?? owner.user.id,
        text,
        now(),
      );
      if (!checked.ok) return checked;
      await db
        .updateTable('approval_request_users')
        .set({ justification: text.trim() })
        .where('request_id', '=', id)
        .where('crm_user_id', '=', owner.user.id)
        .execute();
      await publish(id);
      return { ok: true };
    },

    async leave(owner) {
      const id = await pendingId(owner.account.tenantId);
      if (!id) return;
      await db
        .deleteFrom('approval_request_users')
        .where('request_id', '=', id)
        .where('crm_user_id', '=', owner.user.id)
        .execute();
      await publish(id);
    },

    async decide(requestId, decision, by) {
      const loaded = await load(requestId);
      if (!loaded) return { ok: false, error: 'That approval request no longer exists.' };
      const result =
        decision.outcome === 'granted'
          ? grantRequest(loaded.request, by.name, now())
          : declineRequest(loaded.request, by.name, decision.reason, now());
      if (!result.ok) return result;
      const d = result.request.decision!;
      const changed = await db
        .updateTable('approval_requests')
        .set({
          status: d.outcome,
          decided_by: d.by,
          decided_at: d.at,
          decline_reason: d.reason ?? null,
          updated_at: d.at,
        })
        .where('id', '=', requestId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1)
        return { ok: false, error: 'This request was decided at the same moment by someone else.' };
      if (d.outcome === 'granted') {
        await db
          .updateTable('tenants')
          .set({ consent_granted_at: d.at, updated_at: d.at })
          .where('id', '=', loaded.request.tenantId)
          .execute();
      }
      await publish(requestId);
      for (const u of loaded.users) {
        try {
          await listener(u.crm_user_id, decision, by);
          await db
            .updateTable('approval_request_users')
            .set({ notified_at: nowIso() })
            .where('request_id', '=', requestId)
            .where('crm_user_id', '=', u.crm_user_id)
            .execute();
        } catch (err) {
          deps.logger.warn({ requestId, err: (err as Error).message }, 'could not resume a waiting user');
        }
      }
      return { ok: true, card: (await card(requestId))! };
    },
  };
}
