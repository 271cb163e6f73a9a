import assert from 'node:assert/strict';
import { runAuth } from '../../bench/scenarios/auth.js';

/** The chaos run's token attack on the bot endpoint and every tab API route: nothing but a genuine token gets in. */
describe('reliability: forged and misdirected tokens', function () {
  this.timeout(60_000);

  it('accepts no bad token on the bot endpoint or any tab API route', async function () {
    const result = await runAuth();
    assert.equal(result.accepted, 0, result.examples.join('\n'));
    // Every kind on every tab API route, and the bot endpoint's own kinds on /api/messages.
    assert.equal(result.attempts, (result.routes - 1) * result.kinds.length + result.botEndpoint.attempts);
    assert.equal(result.botEndpoint.accepted, 0);
    assert.ok(result.botEndpoint.genuineAccepted, 'a genuine channel token still works');
    assert.ok(result.genuineAccepted > 0, 'a genuine token still works');
    // Every finding of the security review (bench/scenarios/security-findings.ts), replayed as its
    // attack.
    assert.deepEqual(
      result.findings.map((f) => f.finding),
      [1, 2, 3, 4, 5, 6, 7],
    );
    for (const f of result.findings) assert.ok(f.held, `finding ${f.finding} reopened: ${f.attack}`);
  });
});
