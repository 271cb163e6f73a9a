import { InvokeResponseFactory } from '@microsoft/teamsfx';
import type { InvokeResponse, TurnContext } from 'botbuilder';
import { parseCardAction, type CardAction, type CardVerb } from '../cards/card-actions.js';
import type { AdaptiveCardJson } from '../cards/expand.js';
import { buildErrorCard, buildWelcomeCard } from '../cards/user-cards.js';
import { withStaleNote } from '../cards/card-freshness.js';
import { visibilityRequestById, type VisibilityRequest } from '../enablement/visibility-request-store.js';
import { decideCommand } from '../enablement/core/conversation.js';
import { addToBlocklist, parseBlocklistText } from '../privacy/personal-blocklist.js';
import type { EnablementEvent } from '../enablement/core/states.js';
import type { Owner } from '../cards/card-factory.js';
import { accountOfUser, crmUserById, type CrmUser } from '../crm/crm-directory.js';
import { isItChannel } from './it-channel.js';
import { tenantOf } from './member-lookup.js';
import type { Notifier } from './notifier.js';
import { ensureOwner, resolveSpeaker, type Speaker } from './speaker.js';
import { cardActivity, type TextCommandDeps } from './text-commands.js';
import { changeVisibility } from '../enablement/visibility.js';
import { changeUserVisibility, userListCard } from './user-admin.js';

/**
 * `Action.Execute` from our cards. The payload is validated (zod schema and signed reference) before
 * anything is read; the answer is the card that replaces the clicked one, or an error card when the
 * action is refused — in which case nothing changed. A button pressed on an out-of-date card changes
 * nothing either, and answers with the current card and a note saying so.
 */

export interface CardActionDeps extends TextCommandDeps {
  cardKey: Buffer;
  notifier: Notifier;
  now?: () => Date;
}

const reply = (card: AdaptiveCardJson): InvokeResponse => InvokeResponseFactory.adaptiveCard(card);
const refuse = (message: string): InvokeResponse => reply(buildErrorCard({ message }));
/**
 * A button of a card whose state has moved on: nothing changes, and the card becomes the one for where
 * things stand now, with a short note. Refusals (who may, forged or expired cards) stay errors.
 */
const catchUp = (card: AdaptiveCardJson): InvokeResponse => reply(withStaleNote(card));

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
  const parsed = await parseCardAction(raw, {
    key: deps.cardKey,
    now,
    actorAadObjectId: aadObjectId,
    actorTenantId: tenantId,
  });
  if (!parsed.ok) return refuse(parsed.error);
  const speaker = await resolveSpeaker(deps, context);
  if (!speaker) return refuse('I could not tell who you are in Microsoft Teams.');
  const action = parsed.action;
  // The map is keyed by the action's own verb, so its handler takes exactly this action's type.
  const handle = verbHandlers[action.verb] as VerbHandler<typeof action.verb>;
  return handle({ deps, context, speaker }, action as ActionOf<typeof action.verb>);
}

interface Turn {
  deps: CardActionDeps;
  context: TurnContext;
  speaker: Speaker;
}

/** A turn of the account's owner, with the enablement step that answers most of their buttons. */
interface OwnerTurn extends Turn {
  owner: Owner;
  /** Applies `event`; the answer is the last card the step produced, else `fallback`, else the state card. */
  step(event: EnablementEvent, fallback?: () => Promise<AdaptiveCardJson>): Promise<InvokeResponse>;
}

type ActionOf<V extends CardVerb> = Extract<CardAction, { verb: V }>;
type VerbHandler<V extends CardVerb> = (turn: Turn, action: ActionOf<V>) => Promise<InvokeResponse>;

/** Verbs that act on the speaker's own account: only a TriSys user has one. */
function ownersOnly<V extends CardVerb>(
  handle: (turn: OwnerTurn, action: ActionOf<V>) => Promise<InvokeResponse>,
): VerbHandler<V> {
  return async (turn, action) => {
    const owner = turn.speaker.owner;
    if (!owner) return refuse('Cloud Sync is only for TriSys users, and your Teams account is not one.');
    return handle({ ...turn, owner, step: stepper(turn) }, action);
  };
}

function stepper({ deps, context, speaker }: Turn): OwnerTurn['step'] {
  const outbox = turnOutbox(context);
  return async (event, fallback) => {
    const stored = await ensureOwner(deps.db, speaker);
    if (!stored) return refuse('Your TriSys user is linked to another Teams account.');
    const result = await deps.service.apply(stored.account.id, event, speaker.actor, {
      auditActor: speaker.auditActor,
      deliver: outbox.deliver,
    });
    if (!result.ok) {
      if (!result.stale && !result.raced) return refuse(result.error);
      // The account moved on since the card was drawn (or while this step ran): show where it is.
      const current = (await deps.service.owner(stored.account.id)) ?? stored;
      return catchUp(await deps.cards.stateCard(current));
    }
    const after = (await deps.service.owner(stored.account.id)) ?? stored;
    return outbox.finish(fallback ?? (() => deps.cards.stateCard(after)));
  };
}

/** Verbs that only show the owner where their account stands. */
const stateCard = <V extends CardVerb>() =>
  ownersOnly<V>(async ({ deps, owner }) => reply(await deps.cards.stateCard(owner)));

/**
 * Approval requests are answered in the tenant's IT channel; being there is what makes someone IT for the
 * request: the tenant chose who reads it.
 */
async function consentDecision(
  { deps, context, speaker }: Turn,
  action: ActionOf<'consent_granted' | 'consent_declined'>,
): Promise<InvokeResponse> {
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
      actor: { ...speaker.actor, itAdmin: true } as typeof speaker.actor,
      auditActor: speaker.auditActor,
    },
  );
  if (!result.ok) return refuse(result.error);
  return result.stale ? catchUp(result.card) : reply(result.card);
}

/** What each verb of our cards does; requests are decided by administrators, the rest by the owner. */
const verbHandlers: { [V in CardVerb]: VerbHandler<V> } = {
  grant_visibility: ({ deps, speaker }, action) =>
    visibilityDecision(deps, speaker, action.target.id, 'granted'),
  decline_visibility: ({ deps, speaker }, action) =>
    visibilityDecision(deps, speaker, action.target.id, 'declined'),
  refresh_visibility_request: async ({ deps, speaker }, action) => {
    const found = await adminsRequest(deps, speaker, action.target.id);
    return 'refused' in found
      ? found.refused
      : reply(await deps.visibilityRequests.card(found.request, speaker.timeZone));
  },
  refresh_identity_request: async ({ deps, speaker }, action) => {
    const current = await deps.identity.adminCardFor(speaker.crmUser, action.target.id);
    return current.ok ? reply(current.card) : refuse(current.error);
  },
  consent_granted: consentDecision,
  consent_declined: consentDecision,
  ask_crm_admin: async ({ deps, speaker }, action) => {
    const asked = await deps.identity.askAdmins(action.target.id, speaker.person.aadObjectId);
    if (asked.ok) return reply(asked.card);
    if (!asked.settled) return refuse(asked.error);
    // Sorted out since this card was sent: the speaker is a TriSys user now.
    return speaker.owner ? catchUp(await deps.cards.stateCard(speaker.owner)) : refuse(asked.error);
  },
  correct_work_email: async ({ deps, speaker }, action) => {
    const corrected = await deps.identity.correct(
      speaker.crmUser,
      action.target.id,
      action.data.crmUserId,
      action.data.workEmail,
    );
    if (!corrected.ok) return refuse(corrected.error);
    return corrected.stale ? catchUp(corrected.card) : reply(corrected.card);
  },
  grant_user: (turn, action) => userButton(turn, action.target.id, 'grant'),
  revoke_user: (turn, action) => userButton(turn, action.target.id, 'revoke'),
  confirm_revoke: (turn, action) => userButton(turn, action.target.id, 'confirmed_revoke'),
  cancel_revoke: (turn, action) => userButton(turn, action.target.id, 'cancel'),
  help: stateCard(),
  status: stateCard(),
  cancel_disable: stateCard(),
  enable: ownersOnly(async ({ deps, speaker, owner, step }, action) => {
    const decision = decideCommand(
      { kind: 'enable_sync' },
      {
        conversation: 'personal',
        crmUser: { state: owner.account.state },
        isCrmAdmin: false,
        isItAdmin: false,
      },
    );
    if (decision.kind !== 'transition') return catchUp(await deps.cards.stateCard(owner));
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
  }),
  // Asked already: the card says when and who has it, and nothing is sent again.
  ask_admin: ownersOnly(async ({ deps, owner, step }) =>
    owner.account.state === 'not_visible' && (await deps.visibilityRequests.waiting(owner.user.id))
      ? reply(await deps.cards.stateCard(owner))
      : step({ type: 'visibility_requested' }),
  ),
  submit_justification: ownersOnly(({ step }, action) =>
    step({ type: 'justification_submitted', justification: action.data.justification }),
  ),
  request_email_correction: ownersOnly(async ({ deps, owner, speaker, step }) =>
    owner.account.state === 'identity_mismatch' &&
    (await deps.identity.asked(owner.account.tenantId, speaker.person.aadObjectId))
      ? reply(await deps.cards.stateCard(owner))
      : step({ type: 'correction_requested' }),
  ),
  reconnect: ownersOnly(({ step }) => step({ type: 'reconnect_requested' })),
  pause: ownersOnly(({ step }) => step({ type: 'pause' })),
  resume: ownersOnly(({ step }) => step({ type: 'resume' })),
  disable: ownersOnly(async ({ deps, speaker, owner }) => {
    if (!['active', 'paused', 'reconnect_required'].includes(owner.account.state)) {
      return catchUp(await deps.cards.stateCard(owner));
    }
    return reply(await deps.cards.disableConfirmation(owner, speaker.tenant?.purgeOnDisable ?? false));
  }),
  confirm_disable: ownersOnly(({ step }, action) =>
    step({ type: 'disable', retention: action.data.retention }),
  ),
};

/**
 * The buttons of `list users` and of the revoke confirmation: the answer is the list again with what
 * happened on top, or the confirmation when revoking would stop the user's sync.
 */
async function userButton(
  { deps, speaker }: Turn,
  crmUserId: string,
  press: 'grant' | 'revoke' | 'confirmed_revoke' | 'cancel',
): Promise<InvokeResponse> {
  const admin = speaker.crmUser;
  if (!admin?.isAdmin) return refuse('Only a CRM administrator can change who sees Cloud Sync.');
  if (press === 'cancel') {
    const user = await crmUserById(deps.db, crmUserId);
    const who = user?.tenantId === admin.tenantId ? user.displayName : 'The user';
    return reply(await userListCard(deps, admin, { text: `Nothing changed: ${who} keeps Cloud Sync.` }));
  }
  const result = await changeUserVisibility(
    deps,
    admin,
    { crmUserId },
    press === 'grant',
    press === 'confirmed_revoke',
  );
  if (result.confirmation) return reply(result.confirmation);
  return reply(
    await userListCard(deps, admin, { text: result.message, tone: result.done ? 'good' : 'warning' }),
  );
}

/** The visibility request a card names, for a CRM administrator of its organisation. */
async function adminsRequest(
  deps: CardActionDeps,
  speaker: Speaker,
  refId: string,
): Promise<{ admin: CrmUser; request: VisibilityRequest } | { refused: InvokeResponse }> {
  const admin = speaker.crmUser;
  if (!admin?.isAdmin) return { refused: refuse('Only a CRM administrator can answer this request.') };
  const request = await deps.visibilityRequests.forRef(refId, admin.tenantId);
  if (!request) return { refused: refuse('That request is not from your organisation.') };
  return { admin, request };
}

/**
 * Grant or Decline on a visibility request card. The decision is recorded once, whoever presses first
 * on whichever card; every card then shows it, and a later press on any card only catches that card up.
 */
async function visibilityDecision(
  deps: CardActionDeps,
  speaker: Speaker,
  refId: string,
  outcome: 'granted' | 'declined',
): Promise<InvokeResponse> {
  const found = await adminsRequest(deps, speaker, refId);
  if ('refused' in found) return found.refused;
  const { admin, request } = found;
  const current = async () =>
    deps.visibilityRequests.card(
      (await visibilityRequestById(deps.db, request.id)) ?? request,
      speaker.timeZone,
    );
  if (request.status !== 'open' || !(await deps.visibilityRequests.decide(request, outcome, admin))) {
    return catchUp(await current());
  }
  if (outcome === 'granted') {
    const result = await changeVisibility(deps, admin, { crmUserId: request.crmUserId }, true);
    if (!result.ok) deps.logger.info({ requestId: request.id }, result.message);
  } else {
    await declineVisibility(deps, request.crmUserId, admin.tenantId);
  }
  return reply(await current());
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
      ref: await deps.cards.accountRef(reached),
      crmAdmin: user.isAdmin,
      notice:
        'Your TriSys administrator declined your request for Cloud Sync. Ask them if you think you need it.',
      noticeTone: 'warning',
    });
    await deps.notifier.toUser(user.tenantId, { aadObjectId: reached.user.teamsAadObjectId }, card);
  }
  return { ok: true as const, user };
}
