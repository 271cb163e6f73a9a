import assert from 'node:assert/strict';
import {
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  waitFor,
  type BotStack,
  type DemoPerson,
} from './support/bot-stack.js';
import { activate } from './support/journeys.js';
import { timeZoneOf } from '../../bot/teams/activity-time-zone.js';
import { formattersBuilt } from '../support/intl-formatters.js';

/**
 * Times on cards in the reader's own zone. Teams sends the zone with every activity as `localTimezone`,
 * an IANA time zone database name, with `localTimestamp` the local time and offset (Bot Framework
 * Activity schema, "LocalTimezone": "the name of the timezone used to define local time for the message,
 * expressed in IANA Time Zone database format. For example, America/Los_Angeles"). These turns go
 * through the real server and botbuilder adapter; the Agents Playground sends the zone of the machine it
 * runs on, so it cannot show a person in another zone.
 */

const AUCKLAND = /\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2} GMT\+1[23]\b/;
const LOS_ANGELES = /\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2} GMT-[78]\b/;
const UTC = /\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2} UTC\b/;

describe('times in the reader’s time zone (bot/teams/activity-time-zone.ts)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  /** A message as Teams sends it from a person whose computer is set to `zone`. */
  const sayFrom = (person: DemoPerson, text: string, zone: string) =>
    stack.post(
      stack.activity(person, {
        type: 'message',
        text,
        localTimezone: zone,
        localTimestamp: new Date().toISOString(),
      }),
    );

  it('answers in the zone the turn carried, and keeps it for cards sent later outside any turn', async () => {
    const { alice } = PEOPLE;
    assert.equal((await sayFrom(alice, 'help', 'Pacific/Auckland')).status, 200);
    const accountId = await activate(stack, alice);

    // Switching off in chat: the receipt says when, in Auckland time, the zone named.
    await sayFrom(alice, 'disable sync', 'Pacific/Auckland');
    const confirm = stack.cardsIn(personalChat(alice)).at(-1)!;
    const action = executeAction(confirm, 'confirm_disable');
    const done = await stack.invoke(alice, { ...action, data: { ...action.data, retention: 'keep' } });
    assert.match(textOf(done.card), new RegExp(`Switched off on ${AUCKLAND.source}`));
    assert.doesNotMatch(textOf(done.card), UTC);

    // A card sent outside her turn (the tab switched her off) reads the zone recorded from her chat.
    const before = stack.cardsIn(personalChat(alice)).length;
    await stack.bot.onEffects(accountId, [
      { type: 'notify_user', notice: { kind: 'disabled', retention: 'keep' } },
    ]);
    const proactive = stack.cardsIn(personalChat(alice)).slice(before);
    assert.equal(proactive.length, 1);
    assert.match(textOf(proactive[0]), new RegExp(`Switched off on ${AUCKLAND.source}`));
  });

  it('sends each CRM administrator a request with the time in their own zone', async () => {
    const { ben, dan } = PEOPLE;
    await sayFrom(dan, 'help', 'America/Los_Angeles');
    await sayFrom(ben, 'enable sync', 'Pacific/Auckland');
    await stack.invoke(ben, executeAction(stack.cardsIn(personalChat(ben)).at(-1)!, 'ask_admin'));
    const request = await waitFor('the visibility request in Dan’s chat', () =>
      stack.cardsIn(personalChat(dan)).find((c) => textOf(c).includes('ben.jones@contoso.com')),
    );
    assert.match(textOf(request), LOS_ANGELES);
    assert.doesNotMatch(textOf(request), AUCKLAND);
  });

  it('names UTC when no turn has carried a usable zone', async () => {
    const { alice } = PEOPLE;
    // A name the time zone database does not have is ignored, never used to build a card.
    assert.equal((await sayFrom(alice, 'help', 'Mars/Olympus_Mons')).status, 200);
    const accountId = await activate(stack, alice);
    const before = stack.cardsIn(personalChat(alice)).length;
    await stack.bot.onEffects(accountId, [
      { type: 'notify_user', notice: { kind: 'disabled', retention: 'keep' } },
    ]);
    assert.match(
      textOf(stack.cardsIn(personalChat(alice)).at(before)),
      new RegExp(`Switched off on ${UTC.source}`),
    );
  });
});

describe('checking the zone a turn carried (bot/teams/activity-time-zone.ts)', () => {
  it('checks each zone once, and answers for it the same every turn, unusable ones included', async () => {
    const built = await formattersBuilt(() => {
      for (let turn = 0; turn < 3; turn += 1) {
        assert.equal(timeZoneOf({ localTimezone: 'America/Boise' }), 'America/Boise');
        assert.equal(timeZoneOf({ localTimezone: 'Venus/Maxwell_Montes' }), undefined);
      }
    });
    assert.equal(built, 2);
    // A different zone is checked on its own.
    assert.equal(timeZoneOf({ localTimezone: 'Atlantic/Azores' }), 'Atlantic/Azores');
    assert.equal(timeZoneOf({ localTimezone: 42 }), undefined);
  });
});
