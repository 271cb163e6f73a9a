import assert from 'node:assert/strict';
import { GRAPH_LIKE_LATENCY } from '../../../emulator/graph/latency.js';
import {
  ALICE,
  control,
  graphToken,
  rawGraph,
  startGraphEmulator,
  type GraphEmulator,
} from './graph-test-support.js';

/**
 * The emulator-wide latency model (off by default) and its control API. The delay is checked as a
 * lower bound only: it is a behaviour of the emulator, not a performance figure.
 */
describe('emulator latency model', function () {
  let emu: GraphEmulator;
  let token: string;

  before(async function () {
    emu = await startGraphEmulator();
    token = await graphToken(emu, ALICE);
  });

  after(async function () {
    await emu?.close();
  });

  afterEach(async function () {
    await control(emu, 'DELETE', '/_emulator/latency');
  });

  const inbox = () =>
    rawGraph(emu, '/me/mailFolders/inbox/messages/delta', {
      headers: { authorization: `Bearer ${token}`, prefer: 'odata.maxpagesize=5' },
    });

  it('is off by default', async function () {
    const { status, body } = await control(emu, 'GET', '/_emulator/latency');
    assert.equal(status, 200);
    assert.deepEqual(body, { requestMs: 0, perItemMs: 0, jitter: 0, seed: 1 });
  });

  it('applies the Graph-like preset and turns off again', async function () {
    const set = await control(emu, 'PUT', '/_emulator/latency', { preset: 'graph' });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, GRAPH_LIKE_LATENCY);
    const off = await control(emu, 'DELETE', '/_emulator/latency');
    assert.equal(off.status, 204);
    assert.equal((await control<{ requestMs: number }>(emu, 'GET', '/_emulator/latency')).body.requestMs, 0);
  });

  it('delays mailbox requests by the per-request and per-item cost', async function () {
    await control(emu, 'PUT', '/_emulator/latency', { requestMs: 150, perItemMs: 20, jitter: 0 });
    const started = performance.now();
    const res = await inbox();
    const page = (await res.json()) as { value: unknown[] };
    const took = performance.now() - started;
    assert.equal(res.status, 200);
    assert.ok(page.value.length > 0);
    const floor = 150 + 20 * page.value.length;
    assert.ok(took >= floor - 5, `took ${took} ms, at least ${floor} ms expected`);
  });

  it('refuses settings out of range and changes nothing', async function () {
    for (const bad of [
      { requestMs: -1 },
      { perItemMs: 5000 },
      { jitter: 2 },
      { preset: 'fast' },
      { other: 1 },
    ]) {
      const res = await control(emu, 'PUT', '/_emulator/latency', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    assert.equal((await control<{ requestMs: number }>(emu, 'GET', '/_emulator/latency')).body.requestMs, 0);
  });

  it('is cleared by a reset', async function () {
    await control(emu, 'PUT', '/_emulator/latency', { preset: 'graph' });
    assert.equal((await control(emu, 'POST', '/_emulator/reset')).status, 200);
    assert.equal((await control<{ requestMs: number }>(emu, 'GET', '/_emulator/latency')).body.requestMs, 0);
  });
});
