import {
  BotBuilderCloudAdapter,
  InvokeResponseFactory,
  type TeamsFxAdaptiveCardActionHandler,
} from '@microsoft/teamsfx';
import { ActivityTypes, CloudAdapter, type Activity, type TurnContext } from 'botbuilder';
// Not re-exported by botbuilder's index: the same fix-up its own request handler applies.
import { validateAndFixActivity } from 'botbuilder/lib/activityValidator.js';
import { cardVerbs } from '../cards/card-actions.js';
import { buildErrorCard } from '../cards/user-cards.js';
import type { Logger } from '../logging/logger.js';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import { handleCardAction, type CardActionDeps } from './card-action-handler.js';
import { StoreConversationReferences } from './conversation-refs-store.js';
import { commandHandlers, handleText, welcome } from './text-commands.js';

/**
 * The thin teamsfx binding: a ConversationBot with one command handler per text command, one card-action
 * handler per verb our cards use, and our notification store. Anything the handlers leave unanswered
 * (unknown verbs, messages without text, installs) is answered by `logic` after them.
 */

export interface TeamsBot {
  bot: InstanceType<typeof BotBuilderCloudAdapter.ConversationBot>;
  adapter: BotAdapter;
  /** Runs after teamsfx's middlewares in every turn. */
  logic(context: TurnContext): Promise<void>;
  /**
   * One POST /api/messages: the channel token is checked and the turn run (teamsfx's middlewares, then
   * `logic`); the answer is the invoke response's status and body, 200 without one. A refused token
   * throws botframework-connector's AuthenticationError.
   */
  process(authorization: string, body: Record<string, unknown>): Promise<{ status: number; body?: unknown }>;
}

/** CloudAdapter with its turn entry point open to the route (see `process` below). */
export class BotAdapter extends CloudAdapter {
  runTurn(authorization: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authorization, activity, logic);
  }
}

/** The CloudAdapter on our authentication; a failed turn is logged without request details. */
export function createBotAdapter(auth: BotFrameworkAuthentication, logger: Logger): BotAdapter {
  const adapter = new BotAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    // The message only: errors from HTTP clients can carry request headers.
    logger.error({ err: error.message, activity: context.activity.type }, 'bot turn failed');
    if (context.activity.type === ActivityTypes.Message && !context.responded) {
      await context.sendActivity(
        'Sorry, something went wrong on our side. Nothing was changed; please try again.',
      );
    }
  };
  return adapter;
}

export function createTeamsBot(
  deps: CardActionDeps & { adapter: BotAdapter; botAppId: string; logger: Logger },
): TeamsBot {
  const { adapter } = deps;

  // The raw action (verb included) is validated, not teamsfx's case-insensitive match of it.
  const actions: TeamsFxAdaptiveCardActionHandler[] = cardVerbs.map((verb) => ({
    triggerVerb: verb,
    handleActionInvoked: (context: TurnContext) =>
      handleCardAction(deps, context, (context.activity.value as { action?: unknown } | undefined)?.action),
  }));

  const bot = new BotBuilderCloudAdapter.ConversationBot({
    adapter,
    command: {
      enabled: true,
      commands: commandHandlers(deps),
    },
    cardAction: { enabled: true, actions },
    notification: { enabled: true, store: new StoreConversationReferences(deps.db), botAppId: deps.botAppId },
  });

  async function logic(context: TurnContext): Promise<void> {
    const a = context.activity;
    if (a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action' && !context.responded) {
      // No handler took it: a verb Cloud Sync does not know.
      await context.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: InvokeResponseFactory.adaptiveCard(
          buildErrorCard({ message: 'This card action is not one Cloud Sync knows.' }),
        ),
      });
      return;
    }
    if (a.type === ActivityTypes.Message && !context.responded) return handleText(deps, context);
    // Teams (and the Agents Playground) send both conversationUpdate and installationUpdate on install;
    // welcoming on the first alone gives one welcome card, in chats and in teams alike.
    const botJoined =
      a.type === ActivityTypes.ConversationUpdate && a.membersAdded?.some((m) => m.id === a.recipient?.id);
    if (botJoined) await welcome(deps, context);
  }

  // What ConversationBot.requestHandler does through CloudAdapter.process, minus that method's checks
  // of the request and response objects, which build several zod schemas on every request; the route
  // has checked the body's shape already.
  async function process(authorization: string, body: Record<string, unknown>) {
    const activity = validateAndFixActivity(body as Partial<Activity> as Activity);
    const invokeResponse = await adapter.runTurn(authorization, activity, logic);
    return { status: invokeResponse?.status ?? 200, body: invokeResponse?.body as unknown };
  }

  return { bot, adapter, logic, process };
}
