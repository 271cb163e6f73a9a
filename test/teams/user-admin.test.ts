import assert from 'node:assert/strict';
import {
  actionsOf,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
} from './support/bot-stack.js';
import { accountOf, activate, stateOf } from './support/journeys.js';
import { colorOfText } from '../cards/card-validation.js';

/**
 * A CRM administrator's `list users` card and `revoke`, driven as Dan does them in his chat: a button per
 * person, and a confirmation before anything stops someone's sync, which that person is then told.
 */

type Card = Record<string, unknown>;

/** The button next to one person on the list: the action in the container that shows their address. */
function buttonFor(
  list: Card,
  email: string,
): { title: string; verb: string; data: Record<string, unknown> } {
  const body = list.body as Card[];
  const row = body.find((c) => c.type === 'Container' && JSON.stringify(c.items).includes(`"${email}"`));
  assert.ok(row, `${email} is on the list`);
  const actions = actionsOf(row);
  assert.equal(actions.length, 1, `one button for ${email}`);
  const a = actions[0]!;
  return { title: String(a.title), verb: String(a.verb), data: a.data as Record<string, unknown> };
}

describe('bot: CRM administrators manage users from the list and revoke with care (bot/teams/user-admin.ts)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('list users has a Grant or Revoke button per user as they stand; Grant there makes Ben ready and tells him', async () => {
    const { ben, dan } = PEOPLE;
    await stack.say(ben, 'help'); // Ben has a chat with the bot, so he can be told.
    await stack.say(dan, 'list users');
    const list = stack.cardsIn(personalChat(dan)).at(-1)!;
    // Seed: Alice and Dan see Cloud Sync, Ben does not (bot/crm/demo-crm.json).
    assert.equal(buttonFor(list, 'ben.jones@contoso.com').title, 'Grant');
    assert.equal(buttonFor(list, 'alice.smith@contoso.com').title, 'Revoke');
    // Addresses stay whole: each is a line of its own that never wraps.
    assert.ok(
      JSON.stringify(list).includes(
        '{"type":"TextBlock","text":"ben.jones@contoso.com","isSubtle":true,"wrap":false}',
      ),
    );

    const granted = await stack.invoke(dan, buttonFor(list, 'ben.jones@contoso.com'));
    assert.equal(await stateOf(stack, ben), 'ready');
    assert.match(textOf(granted.card), /Ben Jones can now switch on Cloud Sync/);
    assert.equal(colorOfText(granted.card, 'can now switch on Cloud Sync'), 'Good');
    assert.equal(buttonFor(granted.card!, 'ben.jones@contoso.com').title, 'Revoke');
    assert.match(textOf(stack.cardsIn(personalChat(ben)).at(-1)), /made Cloud Sync available to you/);
  });

  it('revoke on a user whose sync is on asks first; Keep changes nothing; confirming stops it and tells her', async () => {
    const { alice, dan } = PEOPLE;
    const accountId = await activate(stack, alice);
    const aliceCards = stack.cardsIn(personalChat(alice)).length;
    const tokensOf = () =>
      stack.store.db
        .selectFrom('token_caches')
        .select('account_key')
        .where('account_key', '=', accountId)
        .execute();
    assert.equal((await tokensOf()).length, 1, 'her sign-in is kept while sync is on');

    await stack.say(dan, 'revoke alice.smith@contoso.com');
    const confirm = stack.cardsIn(personalChat(dan)).at(-1)!;
    assert.match(textOf(confirm), /Revoke Cloud Sync for Alice Smith\?/);
    assert.match(textOf(confirm), /stops their sync at once/);
    assert.equal(await stateOf(stack, alice), 'active', 'asking changes nothing');

    const kept = await stack.invoke(dan, pick(confirm, 'cancel_revoke'));
    assert.match(textOf(kept.card), /Nothing changed: Alice Smith keeps Cloud Sync/);
    assert.equal(await stateOf(stack, alice), 'active');
    assert.equal(stack.cardsIn(personalChat(alice)).length, aliceCards, 'Alice is not bothered');

    // The list's Revoke asks the same question.
    await stack.say(dan, 'list users');
    const list = stack.cardsIn(personalChat(dan)).at(-1)!;
    const asked = await stack.invoke(dan, buttonFor(list, 'alice.smith@contoso.com'));
    assert.match(textOf(asked.card), /Revoke Cloud Sync for Alice Smith\?/);
    assert.equal(await stateOf(stack, alice), 'active');

    // Only a CRM administrator's press counts.
    const refused = await stack.invoke(alice, pick(asked.card!, 'confirm_revoke'));
    assert.match(textOf(refused.card), /Only a CRM administrator/);
    assert.equal(await stateOf(stack, alice), 'active');

    const done = await stack.invoke(dan, pick(asked.card!, 'confirm_revoke'));
    assert.match(textOf(done.card), /Alice Smith no longer sees Cloud Sync: their sync has been stopped/);
    assert.equal(buttonFor(done.card!, 'alice.smith@contoso.com').title, 'Grant');
    assert.equal(await stateOf(stack, alice), 'not_visible');
    assert.deepEqual(await tokensOf(), [], 'her sign-in is gone');

    const told = stack.cardsIn(personalChat(alice)).at(-1)!;
    assert.match(textOf(told), /withdrawn Cloud Sync for you, which stopped your sync/);
    assert.match(textOf(told), /what was already copied stays there/);
    assert.equal(colorOfText(told, 'which stopped your sync'), 'Warning');
    assert.ok(
      actionsOf(told).some((a) => a.title === 'Ask my administrator'),
      'she can ask for it again from the card',
    );
    assert.equal((await accountOf(stack, alice))?.state, 'not_visible');
  });
});

function pick(card: Card, verb: string): { verb: string; data: Record<string, unknown> } {
  const a = actionsOf(card).find((x) => x.verb === verb);
  assert.ok(a, `a "${verb}" button`);
  return { verb, data: a.data as Record<string, unknown> };
}
