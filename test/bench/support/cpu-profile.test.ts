import assert from 'node:assert/strict';
import { summariseProfiles, type CpuProfile } from '../../../bench/support/cpu-profile.js';

describe('the worker CPU profile grouped by concern', function () {
  // A root with three frames under it: tsx loading a module, a SQLite statement, and idle time.
  const frame = (functionName: string, url: string) => ({ functionName, url });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
      { id: 2, callFrame: frame('load', 'file:///app/node_modules/tsx/dist/loader.mjs') },
      { id: 3, callFrame: frame('run', 'file:///app/node_modules/better-sqlite3/lib/methods/wrappers.js') },
      { id: 4, callFrame: frame('(idle)', '') },
    ],
    startTime: 1_000_000,
    // Start-up: two 1 ms samples loading modules; then the work: 3 ms of SQL and 1 ms idle.
    samples: [2, 2, 3, 3, 4, 3],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
  };

  it('charges every sample to its concern and leaves idle time out', function () {
    const all = summariseProfiles([profile]);
    assert.deepEqual(all.ms, { 'SQL (kysely, better-sqlite3, pg)': 3, 'module loading (tsx)': 2 });
    assert.equal(all.sampledMs, 5);
  });

  it('counts only the samples inside a window of the monotonic clock, so start-up stays out', function () {
    // Samples end at 1,001,000 … 1,006,000 µs; the window opens after the second.
    const work = summariseProfiles([profile], { fromUs: 1_002_000, toUs: 1_006_000 });
    assert.deepEqual(work.ms, { 'SQL (kysely, better-sqlite3, pg)': 3 });
    assert.deepEqual(work.share, { 'SQL (kysely, better-sqlite3, pg)': 1 });
    assert.equal(work.sampledMs, 3);
  });
});
