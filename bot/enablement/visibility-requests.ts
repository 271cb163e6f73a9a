import type { Kysely } from 'kysely';
import { buildVisibilityRequestCard } from '../cards/admin-cards.js';
import { withRefresh } from '../cards/card-freshness.js';
import { signCardRef } from '../cards/card-refs.js';
import type { CardVerb } from '../cards/card-actions.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import type { Owner } from '../cards/card-factory.js';
import { crmUserById, type CrmUser } from '../crm/crm-directory.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../store/schema.js';
import type { Notifier } from '../teams/notifier.js';
import { FALLBACK_TIME_ZONE } from '../teams/activity-time-zone.js';
import { personalTimeZone, timeZoneByKey } from '../teams/conversation-refs-store.js';
import { requestCards } from './request-cards-store.js';
import { sendToCrmAdmins } from './request-to-admins.js';
import {
  decideVisibilityRequest,
  latestVisibilityRequest,
  openVisibilityRequest,
  openVisibilityRequestOf,
  visibilityRequestById,
  visibilityWaiting,
  type VisibilityRequest,
} from './visibility-request-store.js';

/**
 * A user's "Ask my administrator", from the press to the decision: one open request per user, sent to
 * every CRM administrator once; a decision (by whichever administrator, on whichever card, or by the
 * `grant` command) is recorded once and redrawn on every card that was posted for the request.
 */

export const REFRESH_VISIBILITY_VERB: CardVerb = 'refresh_visibility_request';

export interface VisibilityRequestsDeps {
  db: Kysely<Database>;
  notifier: Notifier;
  logger: Logger;
  cardKey: Buffer;
  now?: () => Date;
}

export interface VisibilityRequests {
  /** Opens the owner's request and sends it, unless one is already open (then nothing is sent). */
  ask(owner: Owner): Promise<void>;
  /** When the user asked and whom it reached, while their request is open. */
  waiting(crmUserId: string): ReturnType<typeof visibilityWaiting>;
  /** The request a card's signed reference names, in the actor's organisation. */
  forRef(refId: string, tenantId: string): Promise<VisibilityRequest | undefined>;
  /** The administrators' card as the request now stands, its times in `timeZone` (the reader's). */
  card(request: VisibilityRequest, timeZone: string): Promise<AdaptiveCardJson>;
  /**
   * Decides the request if it is still open and redraws every card; false (nothing changed) when it
   * was decided first by someone else.
   */
  decide(request: VisibilityRequest, outcome: 'granted' | 'declined', admin: CrmUser): Promise<boolean>;
  /** Visibility was granted another way (the `grant` command): the open request is granted with it. */
  grantedElsewhere(crmUserId: string, admin: CrmUser): Promise<void>;
}

export function createVisibilityRequests(deps: VisibilityRequestsDeps): VisibilityRequests {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  async function card(request: VisibilityRequest, timeZone: string): Promise<AdaptiveCardJson> {
    const user = await crmUserById(db, request.crmUserId);
    const ref = await signCardRef(
      { kind: 'visibility_request', id: request.id, tenantId: request.tenantId },
      { key: deps.cardKey, now: now() },
    );
    const drawn = buildVisibilityRequestCard({
      ref,
      userName: user?.displayName ?? 'A TriSys user',
      userEmail: user?.workEmail ?? '',
      requestedAt: new Date(request.askedAt),
      decision:
        request.status === 'open'
          ? undefined
          : {
              outcome: request.status,
              by: request.decidedBy ?? 'a TriSys administrator',
              at: new Date(request.decidedAt ?? request.askedAt),
            },
      timeZone,
    });
    if (request.status !== 'open') return drawn;
    // While it is open, whoever views it gets it as it stands then: decided elsewhere, no buttons.
    const recipients = await requestCards(db, 'visibility', request.id);
    return withRefresh(
      drawn,
      { verb: REFRESH_VISIBILITY_VERB, data: { ref } },
      recipients.flatMap((r) => (r.recipientId ? [r.recipientId] : [])),
    );
  }

  async function send(request: VisibilityRequest): Promise<void> {
    // Each administrator reads the request's times in their own zone.
    const reached = await sendToCrmAdmins(db, deps.notifier, 'visibility', request, async (who) =>
      card(request, (await personalTimeZone(db, request.tenantId, who)) ?? FALLBACK_TIME_ZONE),
    );
    // Only now is it known who received it: every card then names them all for Teams' refresh.
    if (reached > 0) await redraw(request);
    deps.logger.info({ tenantId: request.tenantId, reached }, 'CRM administrators asked');
  }

  /** Every posted card shows the request as it now stands; one unreachable chat does not stop the rest. */
  async function redraw(request: VisibilityRequest): Promise<void> {
    const fresh = (await visibilityRequestById(db, request.id)) ?? request;
    for (const posted of await requestCards(db, 'visibility', request.id)) {
      if (!posted.activityId) continue;
      try {
        const zone = (await timeZoneByKey(db, posted.conversationKey)) ?? FALLBACK_TIME_ZONE;
        await deps.notifier.update(posted.conversationKey, posted.activityId, await card(fresh, zone));
      } catch (err) {
        deps.logger.warn(
          { requestId: request.id, err: (err as Error).message },
          'could not update a visibility request card',
        );
      }
    }
  }

  async function decide(
    request: VisibilityRequest,
    outcome: 'granted' | 'declined',
    admin: CrmUser,
  ): Promise<boolean> {
    const won = await decideVisibilityRequest(db, request.id, { outcome, by: admin.displayName, at: now() });
    if (won) await redraw(request);
    return won;
  }

  return {
    async ask(owner) {
      const { opened, request } = await openVisibilityRequest(db, {
        tenantId: owner.account.tenantId,
        crmUserId: owner.user.id,
        at: now(),
      });
      if (opened) await send(request);
    },

    waiting: (crmUserId) => visibilityWaiting(db, crmUserId),

    async forRef(refId, tenantId) {
      // Cards from before requests were recorded name the CRM user instead of a request.
      const request = (await visibilityRequestById(db, refId)) ?? (await latestVisibilityRequest(db, refId));
      return request && request.tenantId === tenantId ? request : undefined;
    },

    card,
    decide,

    async grantedElsewhere(crmUserId, admin) {
      const open = await openVisibilityRequestOf(db, crmUserId);
      if (open) await decide(open, 'granted', admin);
    },
  };
}
