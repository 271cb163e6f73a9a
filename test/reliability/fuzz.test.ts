import assert from 'node:assert/strict';
import { runFuzz } from '../../bench/scenarios/fuzz.js';

/**
 * The chaos run's fuzzing, small, with a fixed seed so that a failure is the same on every machine:
 * /api/messages activities, card action payloads, tab API bodies, Graph notification posts and
 * hostile Graph responses.
 */
describe('reliability: generated bad input', function () {
  this.timeout(120_000);

  it('never crashes, changes nothing it should not, and logs no secret', async function () {
    const seed = 20261126;
    const result = await runFuzz({ cases: 1000, seed });
    const why = `seed ${seed}:\n${result.examples.join('\n')}`;
    assert.ok(result.cases >= 1000);
    assert.equal(result.crashes, 0, why);
    assert.equal(result.unexpectedStateChanges, 0, why);
    assert.equal(result.secretsInLogs, 0, why);
    for (const [target, tally] of Object.entries(result.byTarget))
      assert.ok(tally.cases > 0, `${target} got cases`);
  });
});
