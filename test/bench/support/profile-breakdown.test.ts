import assert from 'node:assert/strict';
import { breakdown, concernOf } from '../../../bench/support/profile-breakdown.js';

describe('a bot turn profile grouped by concern (bench/support/profile-breakdown.ts)', function () {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const route = frame('handler', 'file:///app/bot/teams/messages-route.ts');
  const reply = frame(
    'sendRequest',
    'file:///app/node_modules/@azure/core-client/dist/commonjs/serviceClient.js',
  );
  const write = frame('writev', '');
  const internals = frame('writevGeneric', 'node:internal/stream_base_commons');
  const sql = frame(
    'executeQuery',
    'file:///app/node_modules/kysely/dist/esm/dialect/sqlite/sqlite-driver.js',
  );

  it('charges a sample to the nearest frame that names a concern, from the sampled frame up', function () {
    // Stacks run from the sampled frame to the root.
    assert.equal(concernOf([write, internals, reply, route]), 'socket writes and reads (system calls)');
    assert.equal(
      concernOf([internals, reply, route]),
      'outbound HTTP (Bot Connector client, Azure core, http client)',
    );
    assert.equal(concernOf([frame('(garbage collector)', '')]), 'garbage collection');
    assert.equal(concernOf([sql, route]), 'SQL (kysely, better-sqlite3, bot/store)');
    assert.equal(concernOf([route]), 'bot code (bot/)');
    assert.equal(concernOf([internals]), 'other (Node internals, promise jobs)');
  });

  it('reports the shares of the turns alone, idle time left out', function () {
    const text = breakdown({
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6] },
        { id: 2, callFrame: route, children: [3] },
        { id: 3, callFrame: reply, children: [4] },
        { id: 4, callFrame: write },
        { id: 5, callFrame: frame('(idle)', '') },
        { id: 6, callFrame: frame('load', 'file:///app/node_modules/tsx/dist/loader.mjs') },
      ],
      // Start-up (module loading) before the first turn is not counted; idle time inside is not either.
      samples: [6, 6, 2, 4, 4, 5, 3, 2],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    });
    assert.match(text, /busy \(not idle\) from the first turn to the last: 5 ms/);
    assert.match(text, /40\.0 %\s+2 ms\s+socket writes and reads/);
    assert.match(text, /40\.0 %\s+2 ms\s+bot code/);
    assert.match(text, /20\.0 %\s+1 ms\s+outbound HTTP/);
  });
});
