import { InvokeResponseFactory } from '@microsoft/teamsfx';
import type { InvokeResponse, TurnContext } from 'botbuilder';
import { buildVisibilityRequestCard } from '../cards/admin-cards.js';
import { parseCardAction, type CardAction } from '../cards/card-actions.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import {
  buildErrorCard,
  buildIdentityMismatchCard,
  buildNotVisibleCard,
  buildWelcomeCard,
} from '../cards/user-cards.js';
import { decideCommand } from '../enablement/core/conversation.js';
import { addToBlocklist, parseBlocklistText } from '../privacy/personal-blocklist.js';
import type { EnablementEvent } from '../enablement/core/states.js';
import { mismatchFromReason } from '../cards/card-factory.js';
import { accountById, accountOfUser, crmUserById } from '../crm/crm-directory.js';
import { isItChannel } from './it-channel.js';
import { tenantOf } from './member-lookup.js';
import type { Notifier } from './notifier.js';
import { ensureOwner, resolveSpeaker, type Speaker } from './speaker.js';
import { cardActivity, type TextCommandDeps } from './text-commands.js';
import { changeVisibility } from '../enablement/visibility.js';

/**
 * `Action.Execute` from our cards. The payload is validated (zod schema and signed reference) before
 * anything is read; the answer is the card that replaces the clicked one, or an error card when the
 * action is refused — in which case nothing changed.
 */

export interface CardActionDeps extends TextCommandDeps {
  cardKey: Buffer;
  notifier: Notifier;
  now?: () => Date;
}

const reply = (card: AdaptiveCardJson): InvokeResponse => InvokeResponseFactory.adaptiveCard(card);
const refuse = (message: string): InvokeResponse => reply(buildErrorCard({ message }));

/** Collects the cards a step produces in this turn: the last replaces the clicked card, others are new. */
function turnOutbox(context: TurnContext) {
  const cards: AdaptiveCardJson[] = [];
  return {
    deliver: async (card: AdaptiveCardJson) => void cards.push(card),
    async finish(fallback: () => Promise<AdaptiveCardJson>): Promise<InvokeResponse> {
      const last = cards.pop() ?? (await fallback());
      for (const extra of cards) await context.sendActivity(cardActivity(extra));
      return reply(last);
    },
  };
}

export async function handleCardAction(
  deps: CardActionDeps,
  context: TurnContext,
  raw: unknown,
): Promise<InvokeResponse> {
  const now = deps.now?.() ?? new Date();
  const tenantId = tenantOf(context);
  const aadObjectId = context.activity.from?.aadObjectId;
  if (!tenantId || !aadObjectId) return refuse('I could not tell who you are in Microsoft Teams.');
  const parsed = parseCardAction(raw, {
    key: deps.cardKey,
    now,
    actorAadObjectId: aadObjectId,
    actorTenantId: tenantId,
  });
  if (!parsed.ok) return refuse(parsed.error);
  const speaker = await resolveSpeaker(deps, context);
  if (!speaker) return refuse('I could not tell who you are in Microsoft Teams.');
  return act(deps, context, speaker, parsed.action);
}

async function act(
  deps: CardActionDeps,
  context: TurnContext,
  speaker: Speaker,
  action: CardAction,
): Promise<InvokeResponse> {
  // Decisions about requests: the actor is an administrator, not the account owner.
  switch (action.verb) {
    case 'grant_visibility':
    case 'decline_visibility':
      return visibilityDecision(deps, speaker, action.target.id, action.verb === 'grant_visibility');
    case 'consent_granted':
    case 'consent_declined': {
      if (!(await isItChannel(deps.db, speaker.person.tenantId, context.activity.conversation.id))) {
        return refuse('Only the IT channel can answer approval requests.');
      }
      const result = await deps.approvals.decide(
        action.target.id,
        action.verb === 'consent_granted'
          ? { outcome: 'granted' }
          : { outcome: 'declined', reason: action.data.declineReason },
        {
          name: speaker.person.name || speaker.person.addresses[0] || 'IT',
          // Being in the IT channel is what makes someone IT for this request: the tenant chose who reads it.
          actor: { ...speaker.actor, itAdmin: true } as typeof speaker.actor,
          auditActor: speaker.auditActor,
        },
      );
      return result.ok ? reply(result.card) : refuse(result.error);
    }
    case 'ask_crm_admin': {
      const asked = await deps.identity.askAdmins(action.target.id, speaker.person.aadObjectId);
      return asked.ok ? reply(asked.card) : refuse(asked.error);
    }
    case 'correct_work_email': {
      const corrected = await deps.identity.correct(speaker.crmUser, action.target.id, action.data.crmUserId);
      return corrected.ok ? reply(corrected.card) : refuse(corrected.error);
    }
    default:
      break;
  }

  const owner = speaker.owner;
  if (!owner) return refuse('Cloud Sync is only for TriSys users, and your Teams account is not one.');
  if (action.verb === 'help' || action.verb === 'status') return reply(await deps.cards.stateCard(owner));
  const outbox = turnOutbox(context);
  const step = async (
    event: EnablementEvent,
    fallback?: () => Promise<AdaptiveCardJson>,
  ): Promise<InvokeResponse> => {
    const stored = await ensureOwner(deps.db, speaker);
    if (!stored) return refuse('Your TriSys user is linked to another Teams account.');
    const result = await deps.service.apply(stored.account.id, event, speaker.actor, {
      auditActor: speaker.auditActor,
      deliver: outbox.deliver,
    });
    if (!result.ok) return refuse(result.error);
    const after = (await deps.service.owner(stored.account.id)) ?? stored;
    return outbox.finish(fallback ?? (() => deps.cards.stateCard(after)));
  };

  switch (action.verb) {
    case 'enable': {
      const decision = decideCommand(
        { kind: 'enable_sync' },
        {
          conversation: 'personal',
          crmUser: { state: owner.account.state },
          isCrmAdmin: false,
          isItAdmin: false,
        },
      );
      if (decision.kind !== 'transition') return reply(await deps.cards.stateCard(owner));
      const typed = action.data.blocklist?.trim() ?? '';
      if (typed !== '') {
        // Set before the first import starts, so nothing on the list is ever copied.
        const parsed = parseBlocklistText(typed);
        if (!parsed.ok) return refuse(parsed.error);
        const stored = await ensureOwner(deps.db, speaker);
        if (!stored) return refuse('Your TriSys user is linked to another Teams account.');
        await addToBlocklist(deps.db, stored.account, parsed.entries, speaker.auditActor);
      }
      return step(decision.event);
    }
    case 'ask_admin':
      return step({ type: 'visibility_requested' }, async () =>
        buildNotVisibleCard({ ref: deps.cards.accountRef(owner), requested: true }),
      );
    case 'submit_justification':
      return step({ type: 'justification_submitted', justification: action.data.justification });
    case 'request_email_correction':
      return step({ type: 'correction_requested' }, async () => {
        const account = (await accountById(deps.db, owner.account.id)) ?? owner.account;
        const m = mismatchFromReason(account.stateReason);
        return buildIdentityMismatchCard({
          ref: deps.cards.accountRef(owner),
          mismatch: m?.mismatch ?? 'address_mismatch',
          signedInAddress: m?.signedIn ?? 'another account',
          expectedAddress: m?.expected ?? owner.user.workEmail,
          correctionRequested: true,
        });
      });
    case 'reconnect':
      return step({ type: 'reconnect_requested' });
    case 'pause':
      return step({ type: 'pause' });
    case 'resume':
      return step({ type: 'resume' });
    case 'disable':
      if (!['active', 'paused', 'reconnect_required'].includes(owner.account.state)) {
        return refuse('Cloud Sync isn’t switched on, so there is nothing to switch off.');
      }
      return reply(deps.cards.disableConfirmation(owner, speaker.tenant?.purgeOnDisable ?? false));
    case 'confirm_disable':
      if (action.data.retention === 'purge' && !speaker.tenant?.purgeOnDisable) {
        return refuse('Your organisation keeps synced items when Cloud Sync is switched off.');
      }
      return step({ type: 'disable', retention: action.data.retention });
    case 'cancel_disable':
      return reply(await deps.cards.stateCard(owner));
  }
}

async function visibilityDecision(
  deps: CardActionDeps,
  speaker: Speaker,
  crmUserId: string,
  grant: boolean,
): Promise<InvokeResponse> {
  if (!speaker.crmUser?.isAdmin) return refuse('Only a CRM administrator can answer this request.');
  const admin = speaker.crmUser;
  const result = grant
    ? await changeVisibility(deps, admin, { crmUserId }, true)
    : await declineVisibility(deps, crmUserId, admin.tenantId);
  if (!result.ok) return refuse(result.message);
  return reply(
    buildVisibilityRequestCard({
      ref: '',
      userName: result.user.displayName,
      userEmail: result.user.workEmail,
      requestedAt: deps.now?.() ?? new Date(),
      decision: {
        outcome: grant ? 'granted' : 'declined',
        by: admin.displayName,
        at: deps.now?.() ?? new Date(),
      },
    }),
  );
}

/** Declining changes nothing in the CRM; the user is told so they stop waiting. */
async function declineVisibility(deps: CardActionDeps, crmUserId: string, tenantId: string) {
  const user = await crmUserById(deps.db, crmUserId);
  if (!user || user.tenantId !== tenantId)
    return { ok: false as const, message: 'That user is not in your organisation.' };
  const account = await accountOfUser(deps.db, user);
  const reached = account ? await deps.service.reach({ account, user }) : undefined;
  if (reached?.user.teamsAadObjectId) {
    const card = buildWelcomeCard({
      displayName: user.displayName,
      state: reached.account.state,
      ref: deps.cards.accountRef(reached),
      notice:
        'Your TriSys administrator declined your request for Cloud Sync. Ask them if you think you need it.',
    });
    await deps.notifier.toUser(user.tenantId, { aadObjectId: reached.user.teamsAadObjectId }, card);
  }
  return { ok: true as const, user };
}
