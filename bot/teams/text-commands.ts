import type { TeamsFxBotCommandHandler } from '@microsoft/teamsfx';
import { CardFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/expand.js';
import { buildErrorCard, buildWelcomeCard } from '../cards/user-cards.js';
import { parseCommand, type Command } from '../enablement/core/commands.js';
import { decideCommand, type UserCard } from '../enablement/core/conversation.js';
import type { Store } from '../store/store.js';
import type { ApprovalFlow } from '../enablement/approval-flow.js';
import type { CardFactory as UserCards, Owner } from '../cards/card-factory.js';
import type { EnablementService } from '../enablement/enablement-service.js';
import type { IdentityFlow } from '../enablement/identity-flow.js';
import type { VisibilityRequests } from '../enablement/visibility-requests.js';
import { registerItChannel } from './it-channel.js';
import { ensureOwner, resolveSpeaker, type Speaker, type SpeakerDeps } from './speaker.js';
import { changeUserVisibility, userListCard } from './user-admin.js';
import { switchResource } from '../sync/resource-switches.js';

/**
 * Text commands (`enable sync`, `status`, `disable sync`, `mail on|off`, `diary on|off`, `help`,
 * `set it channel`, `list users`, `grant …`, `revoke …`): parsed and decided by the pure conversation logic, carried out here.
 */

export interface TextCommandDeps extends SpeakerDeps {
  store: Store;
  approvals: ApprovalFlow;
  service: EnablementService;
  cards: UserCards;
  identity: IdentityFlow;
  visibilityRequests: VisibilityRequests;
  /** Signs the references on cards' buttons. */
  cardKey: Buffer;
  /** Wakes the sync worker when a resource was switched on or off (subscriptions follow at once). */
  requestSync?: (accountId: string) => void;
  now?: () => Date;
}

export const cardActivity = (card: AdaptiveCardJson) => ({ attachments: [CardFactory.adaptiveCard(card)] });

async function showCard(
  deps: TextCommandDeps,
  speaker: Speaker,
  owner: Owner,
  card: UserCard,
): Promise<AdaptiveCardJson> {
  switch (card) {
    case 'welcome':
    case 'help':
      return buildWelcomeCard({
        displayName: owner.user.displayName,
        state: owner.account.state,
        ref: await deps.cards.accountRef(owner),
        crmAdmin: owner.user.isAdmin,
        explainCommands: card === 'help',
      });
    case 'not_mapped':
      return deps.identity.unmappedCard(speaker);
    case 'not_visible':
    case 'status':
      return deps.cards.stateCard(owner);
    case 'disable_confirmation':
      return deps.cards.disableConfirmation(owner, speaker.tenant?.purgeOnDisable ?? false);
  }
}

/**
 * A teamsfx trigger that matches the text our parser reads as one command kind. teamsfx tests a RegExp
 * trigger with `text.match(pattern)`, which calls `[Symbol.match]`; the words themselves stay defined
 * once, in the pure parser.
 */
class CommandTrigger extends RegExp {
  constructor(private readonly kind: Command['kind']) {
    super('');
  }

  override [Symbol.match](text: string): RegExpMatchArray | null {
    if (parseCommand(text).kind !== this.kind) return null;
    const match = [text] as RegExpMatchArray;
    match.index = 0;
    match.input = text;
    return match;
  }
}

// Every command kind has a handler (the compiler checks the set); the key order is the trying order.
const COMMAND_ORDER = Object.keys({
  status: true,
  enable_sync: true,
  disable_sync: true,
  switch_resource: true,
  set_it_channel: true,
  list_users: true,
  grant_visibility: true,
  revoke_visibility: true,
  invalid: true,
  help: true,
} satisfies Record<Command['kind'], true>) as Command['kind'][];

/**
 * One teamsfx command handler per command. `help` comes last and also takes text that is no command
 * (the parser answers it with an unrecognised `help`); teamsfx tries the handlers in order.
 */
export function commandHandlers(deps: TextCommandDeps): TeamsFxBotCommandHandler[] {
  return COMMAND_ORDER.map((kind) => ({
    triggerPatterns: new CommandTrigger(kind),
    handleCommandReceived: (context, message) => handleCommand(deps, context, parseCommand(message.text)),
  }));
}

/** A message teamsfx does not route (one without text). */
export function handleText(deps: TextCommandDeps, context: TurnContext): Promise<void> {
  return handleCommand(deps, context, parseCommand(context.activity.text ?? ''));
}

async function handleCommand(deps: TextCommandDeps, context: TurnContext, command: Command): Promise<void> {
  const speaker = await resolveSpeaker(deps, context);
  if (!speaker) {
    await context.sendActivity('I could not tell who you are in Microsoft Teams, so I cannot help here.');
    return;
  }
  const decision = decideCommand(command, {
    conversation: speaker.conversation,
    crmUser: speaker.owner ? { state: speaker.owner.account.state } : undefined,
    isCrmAdmin: speaker.crmUser?.isAdmin ?? false,
    isItAdmin: speaker.isItAdmin,
  });
  const owner = speaker.owner;
  switch (decision.kind) {
    case 'message':
      await context.sendActivity(decision.text);
      return;
    case 'show_card': {
      if (!owner) {
        await context.sendActivity(cardActivity(await deps.identity.unmappedCard(speaker)));
        return;
      }
      await context.sendActivity(cardActivity(await showCard(deps, speaker, owner, decision.card)));
      return;
    }
    case 'transition': {
      const stored = await ensureOwner(deps.db, speaker);
      if (!stored) {
        await context.sendActivity(
          cardActivity(buildErrorCard({ message: 'Your TriSys user is linked to another Teams account.' })),
        );
        return;
      }
      const result = await deps.service.apply(stored.account.id, decision.event, speaker.actor, {
        auditActor: speaker.auditActor,
        deliver: async (card) => void (await context.sendActivity(cardActivity(card))),
      });
      if (!result.ok) await context.sendActivity(cardActivity(buildErrorCard({ message: result.error })));
      return;
    }
    case 'switch_resource': {
      // No account yet means nothing to switch; nothing is created for it.
      if (!owner?.account.id) {
        await context.sendActivity(
          'Cloud Sync has not been switched on for you yet. Type "enable sync" to start.',
        );
        return;
      }
      const result = await switchResource(deps.db, {
        accountId: owner.account.id,
        resource: decision.resource,
        on: decision.on,
        actor: speaker.auditActor,
        now: deps.now?.() ?? new Date(),
      });
      if (result.due) deps.requestSync?.(result.accountId);
      await context.sendActivity(result.message);
      return;
    }
    case 'register_it_channel': {
      if (!speaker.tenant) {
        await context.sendActivity(
          'Your organisation does not use Cloud Sync yet, so there is no IT channel to set.',
        );
        return;
      }
      await registerItChannel(deps.db, context, speaker.tenant.id, speaker.auditActor);
      await context.sendActivity(
        `This channel is now ${speaker.tenant.name}'s IT channel: Cloud Sync will post requests for admin approval here.`,
      );
      await deps.approvals.channelChosen(speaker.tenant.id);
      return;
    }
    case 'list_users': {
      if (!speaker.crmUser) return;
      await context.sendActivity(cardActivity(await userListCard(deps, speaker.crmUser)));
      return;
    }
    case 'set_visibility': {
      if (!speaker.crmUser) return;
      const result = await changeUserVisibility(
        deps,
        speaker.crmUser,
        { email: decision.email },
        decision.grant,
      );
      await context.sendActivity(result.confirmation ? cardActivity(result.confirmation) : result.message);
      return;
    }
  }
}

/** On install (and when the bot joins a personal chat) the user gets the welcome card. */
export async function welcome(deps: TextCommandDeps, context: TurnContext): Promise<void> {
  if (context.activity.conversation?.conversationType !== 'personal') return;
  const speaker = await resolveSpeaker(deps, context);
  if (!speaker) return;
  if (!speaker.owner) {
    await context.sendActivity(cardActivity(await deps.identity.unmappedCard(speaker)));
    return;
  }
  await context.sendActivity(cardActivity(await showCard(deps, speaker, speaker.owner, 'welcome')));
}
