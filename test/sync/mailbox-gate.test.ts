import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { createGraphClient } from '../../bot/sync/graph-client.js';
import { MAX_TURNS_BEFORE_SEND, newRequestStats, readPendingAnswers } from '../../bot/sync/mailbox-gate.js';
import { waitFor } from './support/wait.js';

/**
 * The Graph client's mailbox gate against a small HTTP server standing in for one mailbox: a
 * Retry-After received for one request holds back every other request of that mailbox, not only the
 * retried one, and no more than the limit are ever in flight at once.
 */

interface Arrival {
  path: string;
  at: number;
}

describe('mailbox gate', function () {
  let server: http.Server;
  let base: string;
  let arrivals: Arrival[];
  let inFlight: number;
  let maxInFlight: number;
  let throttleNext: number;
  let throttledAt: number[];

  before(async function () {
    server = http.createServer((req, res) => {
      arrivals.push({ path: req.url ?? '', at: Date.now() });
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = (status: number, headers: Record<string, string> = {}) => {
        inFlight -= 1;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(
          JSON.stringify(
            status === 200 ? { ok: true } : { error: { code: 'ApplicationThrottled', message: 'slow down' } },
          ),
        );
      };
      if (throttleNext > 0) {
        throttleNext -= 1;
        throttledAt.push(Date.now());
        done(429, { 'retry-after': '1' });
        return;
      }
      setTimeout(() => done(200), 30);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async function () {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(function () {
    arrivals = [];
    inFlight = 0;
    maxInFlight = 0;
    throttleNext = 0;
    throttledAt = [];
  });

  function client(limit: number) {
    const stats = newRequestStats();
    const graph = createGraphClient({
      baseUrl: base,
      fetch: (input, init) => fetch(input, init),
      limiter: new MailboxLimiter(limit),
      mailbox: 'account-1',
      stats,
      accessToken: async () => 'not-a-real-token',
      retryDelaySeconds: 0,
    });
    return { graph, stats };
  }

  it('holds every request of the mailbox until a Retry-After it received has passed', async function () {
    const { graph, stats } = client(4);
    throttleNext = 1;
    const retried = graph.api('/me/first').get();
    await waitFor(() => stats.throttledUntil > 0, 5_000, 'the 429 to arrive');
    const others = [graph.api('/me/second').get(), graph.api('/me/third').get()];
    await Promise.all([retried, ...others]);
    const later = arrivals.filter((a) => a.at > throttledAt[0]!);
    assert.deepEqual(later.map((a) => a.path).sort(), [
      '/v1.0/me/first',
      '/v1.0/me/second',
      '/v1.0/me/third',
    ]);
    for (const a of later)
      assert.ok(a.at >= throttledAt[0]! + 1000, `${a.path} came ${a.at - throttledAt[0]!} ms after the 429`);
    assert.equal(stats.requests, 4, 'the retry is counted as a request');
    assert.ok(stats.throttledMs >= 1000);
  });

  it('after a Retry-After sends one request first, and the others only once its answer is read', async function () {
    const { graph, stats } = client(4);
    throttleNext = 2;
    const first = graph.api('/me/first').get();
    await waitFor(() => stats.throttledUntil > 0, 5_000, 'the first 429 to arrive');
    const others = ['second', 'third', 'fourth'].map((p) => graph.api(`/me/${p}`).get());
    await Promise.all([first, ...others]);
    assert.equal(throttledAt.length, 2, 'the first request after the deadline was throttled again');
    const [firstAnswer, secondAnswer] = throttledAt as [number, number];
    const between = arrivals.filter((a) => a.at > firstAnswer && a.at <= secondAnswer);
    assert.equal(between.length, 1, 'one request went alone after the first Retry-After');
    const after = arrivals.filter((a) => a.at > secondAnswer);
    assert.equal(
      after.length,
      4,
      'the other three and the probe’s retry waited for its answer and its Retry-After',
    );
    for (const a of after)
      assert.ok(a.at >= secondAnswer + 1000, `${a.path} came ${a.at - secondAnswer} ms after the second 429`);
  });

  it('never has more than the limit in flight to one mailbox', async function () {
    const { graph } = client(2);
    await Promise.all(Array.from({ length: 10 }, (_, i) => graph.api(`/me/item${i}`).get()));
    assert.equal(arrivals.length, 10);
    assert.equal(maxInFlight, 2);
  });

  it('reads pending answers first, but does not wait for ever on an event loop that is always busy', async function () {
    // Other work keeps every turn of the loop longer than a quiet one for many more turns than the bound.
    const busyTurns = MAX_TURNS_BEFORE_SEND * 10;
    let turnsDone = 0;
    const hog = new Promise<void>((resolve) => {
      const turn = () => {
        const until = performance.now() + 4;
        while (performance.now() < until);
        turnsDone += 1;
        if (turnsDone < busyTurns) setImmediate(turn);
        else resolve();
      };
      setImmediate(turn);
    });
    await readPendingAnswers();
    assert.ok(turnsDone < busyTurns, `the send waited for all ${busyTurns} busy turns`);
    assert.ok(turnsDone >= 1, 'the busy turns ran first');
    await hog;
  });
});
