import assert from 'node:assert/strict';
import { format } from 'node:util';
import { PEOPLE, startBotStack, type BotStack } from './support/bot-stack.js';

/**
 * POST /api/messages answers for itself: a refused channel token is a 401 naming what was wrong, told
 * through the bot's own logger; nothing reaches the console, where botbuilder's request handler used to
 * print every refused request.
 */
describe('POST /api/messages (bot/teams/messages-route.ts)', function () {
  let stack: BotStack;
  before(async () => {
    stack = await startBotStack();
  });
  after(() => stack.close());

  async function printed<T>(work: () => Promise<T>): Promise<{ value: T; text: string }> {
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const saved = methods.map((m) => console[m]);
    let text = '';
    for (const m of methods) console[m] = (...args: unknown[]) => void (text += `${format(...args)}\n`);
    try {
      return { value: await work(), text };
    } finally {
      methods.forEach((m, i) => (console[m] = saved[i]!));
    }
  }

  it('refuses an expired channel token with 401 and its reason, printing nothing', async () => {
    const expired = await stack.channelToken({ lifetimeSeconds: -600 });
    const { value: res, text } = await printed(() =>
      stack.post(stack.activity(PEOPLE.alice, { type: 'message', text: 'help' }), `Bearer ${expired}`),
    );
    assert.equal(res.status, 401);
    assert.match(JSON.stringify(res.body), /Unauthorized/);
    assert.doesNotMatch(JSON.stringify(res.body), new RegExp(expired.split('.')[1]!));
    assert.equal(text, '');
  });

  it('answers a message turn with 200 once the reply is sent', async () => {
    const sent = stack.channel.activities.length;
    const { value: res, text } = await printed(() =>
      stack.post(stack.activity(PEOPLE.alice, { type: 'message', text: 'help' })),
    );
    assert.equal(res.status, 200);
    assert.equal(stack.channel.activities.length, sent + 1);
    assert.equal(text, '');
  });
});
