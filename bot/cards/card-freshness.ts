import type { AdaptiveCardJson } from './expand.js';

/**
 * What makes a card follow the state it shows: a `refresh` clause (Universal Actions for Adaptive
 * Cards: Teams runs its Action.Execute when one of `userIds` views the card, and answers with the card
 * for the current state), and the note shown when a button was pressed on a card whose state had
 * moved on.
 */

/** Teams refreshes automatically for at most 60 listed users; others get a manual refresh button. */
export const REFRESH_USER_LIMIT = 60;

export const STALE_CARD_NOTE = 'This card was out of date; here is where things stand.';

export function withRefresh(
  card: AdaptiveCardJson,
  action: { verb: string; data: Record<string, string> },
  userIds: readonly string[],
): AdaptiveCardJson {
  const ids = [...new Set(userIds)].slice(0, REFRESH_USER_LIMIT);
  return {
    ...card,
    refresh: {
      action: { type: 'Action.Execute', title: 'Refresh', verb: action.verb, data: action.data },
      ...(ids.length > 0 ? { userIds: ids } : {}),
    },
  };
}

/** The card for where things stand now, with the short note above its content. */
export function withStaleNote(card: AdaptiveCardJson): AdaptiveCardJson {
  return {
    ...card,
    body: [
      { type: 'TextBlock', text: STALE_CARD_NOTE, wrap: true, isSubtle: true, weight: 'Bolder' },
      ...card.body,
    ],
  };
}
