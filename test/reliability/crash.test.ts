import assert from 'node:assert/strict';
import { runCrash } from '../../bench/scenarios/crash.js';

/**
 * The chaos run's crash scenario, small: worker processes SIGKILLed at random points of an import of
 * mail and diary on PostgreSQL, then the CRM compared item by item with the mailbox.
 * (`npm run chaos` runs it with 20 kills during a 20,000-message, 2,000-event import.)
 */
describe('reliability: SIGKILLed worker processes [postgres]', function () {
  this.timeout(180_000);

  it('loses and duplicates nothing across repeated kills of the worker', async function () {
    const result = await runCrash({
      kills: 4,
      messages: 2000,
      events: 150,
      dialect: 'postgres',
      pageSize: 100,
    });
    assert.equal(result.kills, 4);
    assert.equal(result.importCompleteBeforeLastKill, false, 'every kill landed during the import');
    assert.ok(
      result.killedAtProgress.every((n, i) => i === 0 || n >= result.killedAtProgress[i - 1]!),
      `committed progress never goes back: ${result.killedAtProgress.join(', ')}`,
    );
    assert.deepEqual(
      { lost: result.lost, duplicated: result.duplicated, unexpected: result.unexpected },
      { lost: 0, duplicated: 0, unexpected: 0 },
      result.examples.join('\n'),
    );
    assert.equal(result.actualItems, result.expectedItems);
    assert.equal(result.cleanStopExitCode, 0, 'SIGTERM is a clean stop');
  });
});
