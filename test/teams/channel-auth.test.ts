import assert from 'node:assert/strict';
import { PEOPLE, personalChat, startBotStack, textOf, type BotStack } from './support/bot-stack.js';

/**
 * The bot's calls to the Bot Connector service (the member look-up and the reply of a turn) go
 * through one kept client per service URL whose connections stay open between requests: a connection
 * (and, against the real HTTPS service, a TLS handshake) per request would cost more than the turn.
 */
describe('bot → channel service connections', function () {
  let stack: BotStack;
  before(async () => {
    stack = await startBotStack();
  });
  after(() => stack.close());

  it('sends many turns of replies and member look-ups over one kept-alive connection', async () => {
    const turns = 8;
    const chat = personalChat(PEOPLE.alice);
    const requestsBefore = stack.channel.requests;
    for (let i = 0; i < turns; i += 1) assert.equal(await stack.say(PEOPLE.alice, 'help', chat), 200);

    const replies = stack.cardsIn(chat);
    assert.equal(replies.length, turns, 'one reply card per turn');
    assert.match(textOf(replies.at(-1)), /Hello Alice Smith/);
    // Each turn posts its reply; the speaker is looked up on the first turn only, then kept for a while.
    assert.equal(stack.channel.requests - requestsBefore, turns + 1);
    // Turns one after another: the first connection serves every request.
    assert.equal(stack.channel.connections, 1, `${stack.channel.connections} connections`);
  });
});
