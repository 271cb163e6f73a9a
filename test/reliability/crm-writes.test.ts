import assert from 'node:assert/strict';
import { runCrmWrites } from '../../bench/scenarios/crm-writes.js';
import { DIALECTS } from '../support/postgres.js';

/**
 * The chaos run's CRM write scenario, small: appointments booked through the CRM API and written to
 * Outlook under 429 with Retry-After, 503, duplicate deliveries, a forced 410 of the calendar delta
 * while writes are pending, and a worker process SIGKILLed between Graph's create and the commit.
 * Every case must end with one Outlook event per appointment and the CRM entry linked to it.
 */
for (const dialect of DIALECTS) {
  describe(`reliability: CRM appointment writes under faults [${dialect}]`, function () {
    this.timeout(240_000);

    it('writes each appointment exactly once and links it, in every fault case', async function () {
      const result = await runCrmWrites({
        appointments: 6,
        kills: 1,
        dialect,
        throttleRate: 0.3,
        unavailableRate: 0.2,
        // With seed 1 the emulator's second request draw is a fault, so any case of two or more
        // requests meets one; a random seed left a few-request case unthrottled now and then.
        seed: 1,
      });
      for (const [name, c] of Object.entries(result.cases)) {
        assert.deepEqual(
          { missing: c.missing, duplicated: c.duplicated, unlinked: c.unlinked },
          { missing: 0, duplicated: 0, unlinked: 0 },
          `${name}: ${JSON.stringify(c)}`,
        );
      }
      assert.equal(result.cases.throttled.appointments, 6);
      assert.equal(result.cases.crash.appointments, 1);
      assert.ok(result.throttled429 > 0, 'the scenario did throttle the writes');
      assert.ok(result.retryAfterAnswersReceived > 0);
      assert.equal(result.retryAfterBreaches, 0, 'a write went before its Retry-After had passed');
    });
  });
}
