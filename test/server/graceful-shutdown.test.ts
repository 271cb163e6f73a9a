import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { createHttpServer } from '../../bot/server/http-server.js';
import { shutDownGracefully } from '../../bot/server/graceful-shutdown.js';
import { createLogger } from '../../bot/logging/logger.js';
import { PEOPLE, personalChat, startBotStack, waitFor } from '../teams/support/bot-stack.js';

const silent = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('graceful shutdown', () => {
  it('stops accepting, finishes the in-flight request, then runs the steps in order', async () => {
    const http = createHttpServer({ logger: silent, healthChecks: [] });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    http.server.get('/slow', async (_req, res) => {
      entered();
      await released;
      res.send(200, { done: true });
    });
    const port = await http.listen(0, '127.0.0.1');

    const pending = fetch(`http://127.0.0.1:${port}/slow`);
    await inHandler;
    const order: string[] = [];
    const shutdown = shutDownGracefully({
      http,
      logger: silent,
      timeoutMs: 5000,
      steps: [
        { name: 'worker', run: async () => void order.push('worker') },
        { name: 'store', run: async () => void order.push('store') },
      ],
    });

    await assert.rejects(
      fetch(`http://127.0.0.1:${port}/healthz`),
      'new connections are refused while draining',
    );
    assert.deepEqual(order, [], 'steps wait for in-flight requests');
    release();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { done: true });
    assert.equal(await shutdown, true);
    assert.deepEqual(order, ['worker', 'store']);
  });

  it('reports an unclean shutdown when a request outlives the timeout or a step fails', async () => {
    const http = createHttpServer({ logger: silent, healthChecks: [] });
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    http.server.get('/hang', (_req, _res, _next) => {
      entered();
    });
    const port = await http.listen(0, '127.0.0.1');
    const pending = fetch(`http://127.0.0.1:${port}/hang`).catch((e: unknown) => e);
    await inHandler;
    const clean = await shutDownGracefully({
      http,
      logger: silent,
      timeoutMs: 100,
      steps: [{ name: 'store', run: async () => Promise.reject(new Error('boom')) }],
    });
    assert.equal(clean, false);
    assert.ok((await pending) instanceof Error, 'the hung connection is closed');
  });

  it('does not wait past the timeout for a step that never finishes', async function () {
    const http = createHttpServer({ logger: silent, healthChecks: [] });
    await http.listen(0, '127.0.0.1');
    const ran: string[] = [];
    const clean = await shutDownGracefully({
      http,
      logger: silent,
      timeoutMs: 100,
      steps: [
        { name: 'worker', run: () => new Promise<void>(() => void ran.push('worker')) },
        { name: 'store', run: async () => void ran.push('store') },
      ],
    });
    assert.equal(clean, false, 'a step cut short is an unclean shutdown');
    assert.deepEqual(ran, ['worker', 'store'], 'later steps still run');
  });

  it('drains a bot turn waiting on a slow Teams channel: its reply is delivered, new requests are refused', async function () {
    this.timeout(60_000);
    const stack = await startBotStack();
    try {
      const alice = PEOPLE.alice;
      const chat = personalChat(alice);
      const release = stack.channel.hold();
      const turn = stack.say(alice, 'enable sync');
      // The turn is in flight once its reply has reached the channel, which has not answered yet.
      await waitFor('the reply to reach the channel', () => stack.activitiesIn(chat).length > 0);

      const order: string[] = [];
      const shutdown = shutDownGracefully({
        http: stack.http,
        logger: silent,
        timeoutMs: 30_000,
        steps: stack.bot.shutdownSteps.map((step) => ({
          name: step.name,
          run: async () => {
            order.push(step.name);
            await step.run();
          },
        })),
      });
      await assert.rejects(fetch(`${stack.baseUrl}/healthz`), 'new connections are refused while draining');
      assert.equal(await stack.say(alice, 'enable sync').catch(() => 'refused'), 'refused');
      assert.deepEqual(order, [], 'shutdown steps wait for the turn');

      release();
      assert.equal(await turn, 200, 'the turn in flight completes');
      assert.equal(await shutdown, true, 'the drain finishes cleanly');
      assert.deepEqual(
        order,
        stack.bot.shutdownSteps.map((s) => s.name),
      );
      const cards = stack.cardsIn(chat);
      assert.equal(cards.length, 1, 'exactly the reply of the turn in flight, none of the refused one');
      assert.match(JSON.stringify(cards[0]), /Sign in/);
    } finally {
      await stack.close();
    }
  });
});
