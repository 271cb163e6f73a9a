import assert from 'node:assert/strict';
import { STALE_CARD_NOTE } from '../../bot/cards/card-freshness.js';
import {
  executeVerbs,
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
} from './support/bot-stack.js';
import { activate, auditActions, stateOf } from './support/journeys.js';

/**
 * Buttons pressed on cards whose state has moved on: nothing changes, and the card turns into the one
 * for where things stand now, with a short note, instead of an error. Forged or changed cards are
 * still refused.
 */

const stale = new RegExp(STALE_CARD_NOTE);
describe('card actions on out-of-date cards', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('Pause, Disable and Switch off on cards from before Alice switched off show her switched-off card and change nothing', async () => {
    const { alice } = PEOPLE;
    const accountId = await activate(stack, alice);
    await stack.say(alice, 'status');
    const status = stack.cardsIn(personalChat(alice)).at(-1)!;
    await stack.say(alice, 'disable sync');
    const confirm = stack.cardsIn(personalChat(alice)).at(-1)!;
    const keep = executeAction(confirm, 'confirm_disable');
    const done = await stack.invoke(alice, { ...keep, data: { ...keep.data, retention: 'keep' } });
    assert.doesNotMatch(textOf(done.card), stale);
    assert.equal(await stateOf(stack, alice), 'disabled');
    const audit = await auditActions(stack, accountId);

    for (const [card, verb] of [
      [status, 'pause'],
      [status, 'disable'],
      [confirm, 'confirm_disable'],
    ] as const) {
      const action = executeAction(card, verb);
      const answer = await stack.invoke(alice, {
        ...action,
        data: verb === 'confirm_disable' ? { ...action.data, retention: 'keep' } : action.data,
      });
      assert.match(textOf(answer.card), stale, `${verb}: ${textOf(answer.card)}`);
      assert.match(textOf(answer.card), /Hello Alice Smith/, verb);
      assert.doesNotMatch(textOf(answer.card), /Something isn/, verb);
      assert.ok(executeVerbs(answer.card).includes('enable'), `${verb}: she can switch it on again`);
    }
    assert.equal(await stateOf(stack, alice), 'disabled');
    assert.deepEqual(await auditActions(stack, accountId), audit, 'nothing was recorded');
  });

  it('"Ask my administrator" on the old card once Ben has visibility shows him where he stands, sending nothing', async () => {
    const { ben, dan } = PEOPLE;
    await stack.say(dan, 'help');
    await stack.say(ben, 'enable sync');
    const notVisible = stack.cardsIn(personalChat(ben)).at(-1)!;
    await stack.say(dan, 'grant ben.jones@contoso.com');
    assert.equal(await stateOf(stack, ben), 'ready');
    const cardsForDan = stack.cardsIn(personalChat(dan)).length;

    const answer = await stack.invoke(ben, executeAction(notVisible, 'ask_admin'));
    assert.match(textOf(answer.card), stale);
    assert.ok(executeVerbs(answer.card).includes('enable'), 'he is offered the next step');
    assert.equal(await stateOf(stack, ben), 'ready');
    assert.equal(stack.cardsIn(personalChat(dan)).length, cardsForDan, 'no request was sent');
    assert.equal((await stack.store.db.selectFrom('visibility_requests').selectAll().execute()).length, 0);
  });

  it('Enable on a welcome card from before Alice switched on shows her status instead of starting again', async () => {
    const { alice } = PEOPLE;
    await stack.say(alice, 'help');
    const welcome = stack.cardsIn(personalChat(alice)).at(-1)!;
    await activate(stack, alice);
    const answer = await stack.invoke(alice, executeAction(welcome, 'enable'));
    assert.match(textOf(answer.card), stale);
    assert.match(textOf(answer.card), /Sync is on/);
    assert.equal(await stateOf(stack, alice), 'active');
  });

  it('a changed card reference is still refused as changed, not caught up', async () => {
    const { alice } = PEOPLE;
    await activate(stack, alice);
    await stack.say(alice, 'status');
    const pause = executeAction(stack.cardsIn(personalChat(alice)).at(-1)!, 'pause');
    const ref = String(pause.data.ref);
    const forged = `${ref.slice(0, -4)}${ref.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const answer = await stack.invoke(alice, { ...pause, data: { ref: forged } });
    assert.match(textOf(answer.card), /changed or is not from Cloud Sync/);
    assert.doesNotMatch(textOf(answer.card), stale);
    assert.equal(await stateOf(stack, alice), 'active');
  });
});
