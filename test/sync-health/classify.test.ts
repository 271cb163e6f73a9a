import assert from 'node:assert/strict';
import { classifyResource, combineHealth, type ResourceFacts } from '../../bot/sync-health/classify.js';

const NOW = new Date('2025-03-03T12:00:00.000Z');
const base: ResourceFacts = {
  accountState: 'active',
  enabled: true,
  throttledUntil: null,
  running: false,
  lastFinishedStatus: 'succeeded',
  everSucceeded: true,
};
const classify = (over: Partial<ResourceFacts>) => classifyResource({ ...base, ...over }, NOW);

describe('health classification (bot/sync-health/classify)', function () {
  it('lets the account state speak first', function () {
    assert.equal(
      classify({ accountState: 'reconnect_required', lastFinishedStatus: 'failed' }),
      'needs_reconnect',
    );
    assert.equal(classify({ accountState: 'paused', running: true }), 'paused');
    assert.equal(classify({ accountState: 'disabled' }), 'off');
    assert.equal(classify({ enabled: false }), 'off');
  });

  it('tells throttling apart from failure, and only while Retry-After lasts', function () {
    assert.equal(
      classify({ throttledUntil: '2025-03-03T12:05:00.000Z', lastFinishedStatus: 'failed' }),
      'throttled',
    );
    assert.equal(classify({ throttledUntil: '2025-03-03T11:55:00.000Z' }), 'healthy');
    assert.equal(classify({ lastFinishedStatus: 'throttled' }), 'throttled');
  });

  it('reports running, failing, healthy and never-run', function () {
    assert.equal(classify({ running: true }), 'syncing');
    assert.equal(classify({ lastFinishedStatus: 'failed' }), 'failing');
    assert.equal(classify({}), 'healthy');
    assert.equal(classify({ lastFinishedStatus: null, everSucceeded: false }), 'waiting');
  });

  it('speaks for a mailbox with its worst folder', function () {
    assert.equal(combineHealth(['healthy', 'failing', 'syncing']), 'failing');
    assert.equal(combineHealth(['healthy', 'syncing']), 'syncing');
    assert.equal(combineHealth(['waiting', 'healthy']), 'healthy');
    assert.equal(combineHealth([]), 'waiting');
  });
});
