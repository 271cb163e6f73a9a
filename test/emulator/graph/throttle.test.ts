import assert from 'node:assert/strict';
import { Throttle, type RequestLogEntry } from '../../../emulator/graph/throttle.js';
import type { ServerMoment } from '../../../emulator/http.js';
import {
  ALICE,
  control,
  graphToken,
  rawGraph,
  startGraphEmulator,
  type GraphEmulator,
} from './graph-test-support.js';

/**
 * When a request breaks a Retry-After. Microsoft Graph throttling guidance
 * (https://learn.microsoft.com/graph/throttling, "Best practices to handle throttling"): the failed
 * response carries the Retry-After header, and the client waits that many seconds before retrying. A
 * client can only wait on an answer it has read, so the wait runs from when the 429 was written, and a
 * request the server read before a client could have read that answer (emulator/event-order.ts) was on
 * its way or crossed it: it is counted apart, never as a violation.
 */

const APP = 'app-1';

function entry(status: number): RequestLogEntry {
  return {
    time: new Date(0).toISOString(),
    method: 'GET',
    path: '/me/messages',
    status,
    appId: APP,
    durationMs: 0,
    beforeRetryAfter: false,
  };
}

const tooMany = { status: 429, headers: { 'retry-after': '2' } };

describe('emulator/graph/throttle: Retry-After accounting', function () {
  it('starts the wait when the 429 is written, not when it was decided', async function () {
    let now = 1_000;
    const throttle = new Throttle(() => now);
    let write!: (moment: ServerMoment | null) => void;
    throttle.record(ALICE, entry(429), tooMany, new Promise((resolve) => (write = resolve)));

    // Read while the answer was still being produced: on its way, not a violation.
    now = 1_100;
    assert.equal(throttle.arrive(ALICE, APP, { at: 1_050, event: 1 }).beforeRetryAfter, false);
    // Written at 1,500; a client could have read it by event 3.
    write({ at: 1_500, event: 3 });
    await Promise.resolve();
    now = 1_600;
    const arrive = (at: number, event: number, app = APP) => throttle.arrive(ALICE, app, { at, event });
    assert.equal(arrive(1_400, 2).beforeRetryAfter, false, 'read before the 429 went out');
    assert.equal(
      arrive(1_502, 3).beforeRetryAfter,
      false,
      'read after the write, before a client could have read it: it crossed the answer',
    );
    assert.deepEqual(
      arrive(1_600, 4),
      { beforeRetryAfter: true, msAfterRetryAfterWritten: 100 },
      'read after the 429 went out, and how long after',
    );
    now = 3_499;
    assert.equal(arrive(3_499, 9).msAfterRetryAfterWritten, 1_999, 'two seconds from the write');
    now = 3_500;
    assert.equal(arrive(3_500, 10).beforeRetryAfter, false, 'the wait is over');
    assert.equal(arrive(1_600, 4, 'another-app').beforeRetryAfter, false, 'per app');

    const counters = throttle.counters(ALICE);
    assert.equal(counters.retryAfterViolations, 2);
    assert.equal(counters.onTheirWayAtRetryAfter, 3);
  });

  it('starts no wait for a 429 the connection never delivered', async function () {
    let now = 1_000;
    const throttle = new Throttle(() => now);
    throttle.record(ALICE, entry(429), tooMany, Promise.resolve(null));
    await Promise.resolve();
    now = 1_500;
    assert.equal(throttle.arrive(ALICE, APP, { at: 1_500, event: 5 }).beforeRetryAfter, false);
    assert.equal(throttle.counters(ALICE).retryAfterViolations, 0);
  });

  describe('over HTTP', function () {
    let emu: GraphEmulator;
    before(async () => {
      emu = await startGraphEmulator();
    });
    after(async () => {
      await emu.close();
    });

    it('counts no request sent before the 429 was written, and one sent after it was read', async function () {
      await control(emu, 'POST', '/_emulator/reset');
      await control(emu, 'PUT', `/_emulator/mailboxes/${ALICE}/faults`, {
        latencyMs: 400,
        throttleRate: 1,
        throttleRetryAfterSeconds: 30,
      });
      const headers = { authorization: `Bearer ${await graphToken(emu, ALICE)}` };
      const first = rawGraph(emu, '/me/mailFolders', { headers });
      // Sent while the first is still being answered: it cannot know of the 429 to come.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const onItsWay = rawGraph(emu, '/me/mailFolders', { headers });
      assert.equal((await first).status, 429);
      assert.equal((await onItsWay).status, 429);
      const log = (
        await control<{ retryAfterViolations: number }>(emu, 'GET', `/_emulator/mailboxes/${ALICE}/requests`)
      ).body;
      assert.equal(log.retryAfterViolations, 0, 'sent before any 429 was written');

      // Sent after both 429s were read: inside the Retry-After.
      await rawGraph(emu, '/me/mailFolders', { headers });
      const after = (
        await control<{ retryAfterViolations: number }>(emu, 'GET', `/_emulator/mailboxes/${ALICE}/requests`)
      ).body;
      assert.equal(after.retryAfterViolations, 1);
    });
  });
});
