import { ADMIN_CONSENT_CALLBACK_PATH, type AdminConsentStart } from '../sign-in/sign-in-routes.js';
import { verifyCardRef } from '../cards/card-refs.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import { declineRequest, grantRequest, setJustification } from './core/approval-requests.js';
import { buildAdminConsentUrl } from './core/consent-errors.js';
import { graphPermissions } from '../sign-in/oidc-scopes.js';
import type { Actor } from './core/states.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import { findTenant } from '../crm/crm-directory.js';
import type { Owner } from '../cards/card-factory.js';
import type { Notifier } from '../teams/notifier.js';
import { drawApprovalCard } from './approval-card-drawing.js';
import {
  addRequester,
  loadRequest,
  markNotified,
  pendingRequestId,
  recordDecision,
  rememberCard,
  removeRequester,
  saveJustification,
} from './approval-store.js';

/**
 * The tenant's admin-consent approval request (one pending per tenant, so IT sees one card however many
 * ask) in the store, its card in the IT channel kept up to date for everyone, and IT's decision handed
 * back to every waiting user. The rules (who may, what a repeat does) are the pure ones in
 * enablement/core/approval-requests.ts; the rows are approval-store.ts's and the card is drawn by
 * approval-card-drawing.ts. This module posts, redraws and tells the waiting users.
 */

export interface ApprovalFlowDeps {
  store: Store;
  notifier: Notifier;
  logger: Logger;
  cardKey: Buffer;
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
  ): Promise<{ ok: true; card: AdaptiveCardJson; stale?: true } | { ok: false; error: string }>;
  /** The pending request of the tenant, if any (the admin consent callback may name an old one). */
  pendingId(tenantId: string): Promise<string | undefined>;
  card(requestId: string): Promise<AdaptiveCardJson | undefined>;
  /** The open request the card's consent button names, or why it cannot be opened. */
  consentStart(ref: string): Promise<AdminConsentStart>;
  /** Microsoft's consent page for a request, with the state minted once the administrator signed in. */
  adminConsentUrl(request: { tenantId: string }, state: string): string;
  onDecision(listener: DecisionListener): void;
  /** Posts the tenant's pending request to a newly chosen IT channel. */
  channelChosen(tenantId: string): Promise<void>;
}

export function createApprovalFlow(deps: ApprovalFlowDeps): ApprovalFlow {
  const now = deps.now ?? (() => new Date());
  const db = deps.store.db;
  const permissions = graphPermissions(deps.scopes);
  const drawing = { db, cardKey: deps.cardKey, publicUrl: deps.publicUrl, now };
  let listener: DecisionListener = async () => undefined;

  function adminConsentUrl(request: { tenantId: string }, state: string): string {
    return buildAdminConsentUrl({
      authorityHost: deps.authorityHost,
      tenant: request.tenantId,
      clientId: deps.clientId,
      redirectUri: `${deps.publicUrl}${ADMIN_CONSENT_CALLBACK_PATH}`,
      scopes: permissions,
      state,
    });
  }

  async function card(requestId: string): Promise<AdaptiveCardJson | undefined> {
    const stored = await loadRequest(db, requestId);
    return stored ? drawApprovalCard(drawing, stored) : undefined;
  }

  async function consentStart(token: string): Promise<AdminConsentStart> {
    const checked = await verifyCardRef(token, { key: deps.cardKey, now: now() });
    if (!checked.ok) return { ok: false, status: 400, message: checked.error };
    const { ref } = checked;
    const stored = ref.k === 'approval_request' ? await loadRequest(db, ref.id) : undefined;
    if (!stored || stored.request.tenantId !== ref.tid) {
      return { ok: false, status: 404, message: 'There is no such approval request.' };
    }
    if (stored.request.status !== 'pending') {
      return { ok: false, status: 409, message: `This request has already been ${stored.request.status}.` };
    }
    return { ok: true, tenantId: ref.tid, requestId: ref.id };
  }

  /** Posts the card to the IT channel the first time, and redraws it in place afterwards. */
  async function publish(requestId: string): Promise<void> {
    const stored = await loadRequest(db, requestId);
    if (!stored) return;
    const tenant = await findTenant(db, stored.request.tenantId);
    const drawn = await drawApprovalCard(drawing, stored);
    try {
      if (stored.cardConversationKey && stored.cardActivityId) {
        await deps.notifier.update(stored.cardConversationKey, stored.cardActivityId, drawn);
        return;
      }
      if (!tenant?.itChannelRefKey) return;
      const activityId = await deps.notifier.post(tenant.itChannelRefKey, drawn);
      await rememberCard(db, requestId, {
        conversationKey: tenant.itChannelRefKey,
        activityId: activityId ?? null,
      });
    } catch (err) {
      // The request stays recorded; the next change or decision redraws the card.
      deps.logger.warn({ requestId, err: (err as Error).message }, 'could not post the approval card');
    }
  }

  /** Resumes every waiting user with IT's decision; one user's failure does not stop the others. */
  async function tellWaitingUsers(
    stored: { request: { id: string }; crmUserIds: string[] },
    decision: Parameters<DecisionListener>[1],
    by: DecidedBy,
  ): Promise<void> {
    const requestId = stored.request.id;
    for (const crmUserId of stored.crmUserIds) {
      try {
        await listener(crmUserId, decision, by);
        await markNotified(db, requestId, crmUserId);
      } catch (err) {
        deps.logger.warn({ requestId, err: (err as Error).message }, 'could not resume a waiting user');
      }
    }
  }

  return {
    pendingId: (tenantId) => pendingRequestId(db, tenantId),
    card,
    consentStart,
    adminConsentUrl,
    onDecision(l) {
      listener = l;
    },

    async channelChosen(tenantId) {
      const id = await pendingRequestId(db, tenantId);
      if (!id) return;
      // A card posted in a previous IT channel stays there; the new channel gets its own.
      await rememberCard(db, id, null);
      await publish(id);
    },

    async consentInfo(tenantId) {
      const tenant = await findTenant(db, tenantId);
      return { itChannelKnown: Boolean(tenant?.itChannelRefKey) };
    },

    async recordAttempt(owner) {
      const id = await addRequester(db, {
        tenantId: owner.account.tenantId,
        crmUserId: owner.user.id,
        permissions,
        at: now().toISOString(),
      });
      await publish(id);
    },

    async justify(owner, text) {
      const id = await pendingRequestId(db, owner.account.tenantId);
      const stored = id ? await loadRequest(db, id) : undefined;
      if (!id || !stored)
        return { ok: false, error: 'There is no open approval request to add your reason to.' };
      const checked = setJustification(
        stored.request,
        owner.user.teamsAadObjectId ?? owner.user.id,
        text,
        now(),
      );
      if (!checked.ok) return checked;
      await saveJustification(db, id, owner.user.id, text.trim());
      await publish(id);
      return { ok: true };
    },

    async leave(owner) {
      const id = await pendingRequestId(db, owner.account.tenantId);
      if (!id) return;
      await removeRequester(db, id, owner.user.id);
      await publish(id);
    },

    async decide(requestId, decision, by) {
      const stored = await loadRequest(db, requestId);
      if (!stored) return { ok: false, error: 'That approval request no longer exists.' };
      // Already decided (on this card, another, or by the consent page): the card shows that decision.
      const decided = async () => ({
        ok: true as const,
        stale: true as const,
        card: (await card(requestId))!,
      });
      if (stored.request.status !== 'pending') return decided();
      const result =
        decision.outcome === 'granted'
          ? grantRequest(stored.request, by.name, now())
          : declineRequest(stored.request, by.name, decision.reason, now());
      if (!result.ok) return result;
      if (!(await recordDecision(db, stored.request, result.request.decision!))) return decided();
      await publish(requestId);
      await tellWaitingUsers(stored, decision, by);
      return { ok: true, card: (await card(requestId))! };
    },
  };
}
