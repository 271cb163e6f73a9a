import { BotBuilderCloudAdapter } from '@microsoft/teamsfx';
import { CardFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Kysely } from 'kysely';
import type { AdaptiveCardJson } from '../cards/expand.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../store/schema.js';
import {
  personalReference,
  personalReferenceByEmail,
  referenceByKey,
  referenceKey,
} from './conversation-refs-store.js';

/**
 * Proactive messages through stored conversation references: a card to a user's personal chat, a new
 * card in a channel (both through teamsfx's `TeamsBotInstallation`), or an existing card updated in place
 * (the approval card everyone in the IT channel sees), which teamsfx's notification API cannot do.
 * Nothing here decides what to say.
 */

type Reference = Partial<ConversationReference>;

export interface Notifier {
  /**
   * To the user's personal chat, found by object id or else by the address Teams gave for them. False
   * when the user has never talked to the bot, so there is no chat to write to.
   */
  toUser(
    tenantId: string,
    who: { aadObjectId: string | null; email?: string },
    card: AdaptiveCardJson,
  ): Promise<boolean>;
  /** As `toUser`, returning where the card went (and the user's Teams id) so it can be updated in place. */
  toUserTracked(
    tenantId: string,
    who: { aadObjectId: string | null; email?: string },
    card: AdaptiveCardJson,
  ): Promise<Delivered | undefined>;
  /** Posts to a stored conversation; returns the new activity's id. */
  post(referenceKey: string, card: AdaptiveCardJson): Promise<string | undefined>;
  update(referenceKey: string, activityId: string, card: AdaptiveCardJson): Promise<void>;
}

export interface Delivered {
  referenceKey: string;
  activityId: string;
  /** The recipient's Teams user id in that chat, as a card's refresh `userIds` names them. */
  userId: string | undefined;
}

export interface NotifierDeps {
  adapter: CloudAdapter;
  db: Kysely<Database>;
  /** BOT_ID, or '' in unauthenticated mode. */
  botAppId: string;
  logger: Logger;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  async function send(ref: Reference, card: AdaptiveCardJson): Promise<string | undefined> {
    const installation = new BotBuilderCloudAdapter.TeamsBotInstallation(deps.adapter, ref, deps.botAppId);
    return (await installation.sendAdaptiveCard(card)).id;
  }

  async function toUserTracked(
    tenantId: string,
    who: { aadObjectId: string | null; email?: string },
    card: AdaptiveCardJson,
  ): Promise<Delivered | undefined> {
    const ref =
      (who.aadObjectId ? await personalReference(deps.db, tenantId, who.aadObjectId) : undefined) ??
      (who.email ? await personalReferenceByEmail(deps.db, tenantId, who.email) : undefined);
    if (!ref) {
      deps.logger.info({ tenantId }, 'no personal chat with the user yet; notice not delivered');
      return undefined;
    }
    const activityId = await send(ref, card);
    return { referenceKey: referenceKey(ref), activityId: activityId ?? '', userId: ref.user?.id };
  }

  return {
    async toUser(tenantId, who, card) {
      return (await toUserTracked(tenantId, who, card)) !== undefined;
    },
    toUserTracked,
    async post(referenceKey, card) {
      const ref = await referenceByKey(deps.db, referenceKey);
      if (!ref) throw new Error(`no stored conversation for ${referenceKey}`);
      return send(ref, card);
    },
    async update(referenceKey, activityId, card) {
      const ref = await referenceByKey(deps.db, referenceKey);
      if (!ref) throw new Error(`no stored conversation for ${referenceKey}`);
      await deps.adapter.continueConversationAsync(deps.botAppId, ref, async (context) => {
        await context.updateActivity({
          id: activityId,
          type: 'message',
          attachments: [CardFactory.adaptiveCard(card)],
        });
      });
    },
  };
}
