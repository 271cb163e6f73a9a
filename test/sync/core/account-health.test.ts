import assert from 'node:assert/strict';
import { type RunRecord, accountHealth } from '../../../bot/sync/core/account-health.js';

const NOW = 1_750_000_000_000;
const run = (minutesAgo: number, status: RunRecord['status']): RunRecord => ({
  startedAt: NOW - minutesAgo * 60_000,
  status,
});
const health = (runs: RunRecord[], accountState = 'active', throttledUntil: number | null = null) =>
  accountHealth({ accountState, runs, throttledUntil, now: NOW });

describe('sync/core/account-health', () => {
  it('says paused or needs reconnect from the account state before anything else', () => {
    assert.equal(health([run(1, 'running')], 'paused'), 'paused');
    assert.equal(health([run(1, 'running')], 'disabled'), 'paused');
    assert.equal(health([run(1, 'failed')], 'reconnect_required'), 'needs_reconnect');
  });

  it('shows throttling as throttled, not failing', () => {
    assert.equal(health([run(1, 'succeeded')], 'active', NOW + 30_000), 'throttled');
    assert.equal(health([run(1, 'throttled'), run(2, 'failed'), run(3, 'failed')]), 'throttled');
  });

  it('is syncing while a recent run runs or before any run finished; a stale run is ignored', () => {
    assert.equal(health([run(1, 'running'), run(5, 'succeeded')]), 'syncing');
    assert.equal(health([]), 'syncing');
    assert.equal(health([run(120, 'running'), run(200, 'succeeded')]), 'healthy');
  });

  it('is failing only after three failed runs in a row', () => {
    assert.equal(health([run(1, 'failed'), run(2, 'failed'), run(3, 'succeeded')]), 'healthy');
    assert.equal(
      health([run(3, 'failed'), run(1, 'failed'), run(2, 'cancelled'), run(2.5, 'failed')]),
      'failing',
    );
    assert.equal(
      health([run(1, 'succeeded'), run(2, 'failed'), run(3, 'failed'), run(4, 'failed')]),
      'healthy',
    );
  });
});
