import assert from 'node:assert/strict';
import { retryAfterWitness } from './retry-after-witness.js';

/** The judge of Retry-After in the sync tests: it must see a breach, and must not blame a crossing. */
describe('test/support/retry-after-witness', function () {
  let now = 0;
  /** A network whose answers the test releases one by one, at the time it sets. */
  function network() {
    const pending: Array<(r: Response) => void> = [];
    return {
      fetch: () => new Promise<Response>((resolve) => pending.push(resolve)),
      async answer(at: number, status: number, retryAfter?: string) {
        now = at;
        pending.shift()!(
          new Response(null, { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} }),
        );
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
  }

  it('counts a request sent after a 429 reached the client, inside its Retry-After', async function () {
    now = 0;
    const net = network();
    const { fetch, ledger } = retryAfterWitness(net.fetch, () => now);
    const first = fetch('https://graph.test/me/messages');
    await net.answer(100, 429, '2');
    await first;
    now = 1_500;
    const second = fetch('https://graph.test/me/messages?page=2');
    await net.answer(1_600, 200);
    await second;
    assert.equal(ledger.waitsGiven, 1);
    assert.deepEqual(ledger.breaches, [
      { url: 'https://graph.test/me/messages?page=2', msAfterAnswer: 1_400, retryAfterSeconds: 2 },
    ]);
  });

  it('does not count a request sent before the 429 reached the client, nor one after the wait', async function () {
    now = 0;
    const net = network();
    const { fetch, ledger } = retryAfterWitness(net.fetch, () => now);
    // Both leave at 0; the second is still on its way when the first is answered.
    const first = fetch('https://graph.test/me/messages');
    const crossing = fetch('https://graph.test/me/events');
    await net.answer(100, 429, '1');
    await net.answer(150, 200);
    await Promise.all([first, crossing]);
    now = 1_100;
    const later = fetch('https://graph.test/me/messages');
    await net.answer(1_200, 503, '1');
    await later;
    assert.deepEqual(ledger.breaches, []);
    assert.equal(ledger.waitsGiven, 2, 'a 503 with Retry-After asks for a wait too');
  });
});
