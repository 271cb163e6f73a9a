import assert from 'node:assert/strict';
import { runFaults } from '../../bench/scenarios/faults.js';
import { syncAccount } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import {
  connectFast,
  createUsers,
  generateMailbox,
  seedContactsFromMailbox,
  startBenchEnv,
  type SyncEnv,
} from '../../bench/support/bench-env.js';
import { compareAccount, rulesFor } from '../../bench/support/crm-compare.js';
import { testSettings } from '../sync/support/sync-env.js';
import { switchOff } from '../sync/support/accounts.js';

/**
 * The chaos run's fault scenario, small: 10 % 429 with Retry-After, 2 % 503, forced 410s, and mail
 * added and changed while the worker process imports. Then, on its own, the case the full scenario
 * found: a message deleted before a forced 410 must still leave the CRM.
 */
describe('reliability: Graph faults', function () {
  this.timeout(180_000);

  it('honours every Retry-After and converges with nothing lost or duplicated', async function () {
    const result = await runFaults({
      messages: 1500,
      events: 100,
      throttleRate: 0.1,
      unavailableRate: 0.02,
      forced410: 3,
      liveChanges: 12,
      deletions: false,
      pageSize: 100,
      // The second and third fault settings take seeds 45 and 46, whose first draws are 429s (0.037 and
      // 0.060 against the rate of 0.1). The third comes after the import and a live change follows it,
      // so the worker's next request is throttled; with random seeds the 20-odd requests of this small
      // import went unthrottled about one run in ten.
      seed: 44,
    });
    const counts = JSON.stringify({
      graphRequests: result.graphRequests,
      throttled429: result.throttled429,
      retryAfterAnswersReceived: result.retryAfterAnswersReceived,
    });
    assert.ok(result.retryAfterAnswersReceived > 0, `the worker was answered with Retry-After: ${counts}`);
    assert.deepEqual(result.retryAfterBreachExamples, [], 'sent before a Retry-After had passed');
    assert.equal(result.retryAfterBreaches, 0);
    assert.deepEqual(
      {
        lost: result.lost,
        duplicated: result.duplicated,
        unexpected: result.unexpected,
        converged: result.converged,
      },
      { lost: 0, duplicated: 0, unexpected: 0, converged: true },
      result.examples.join('\n'),
    );
    assert.ok(result.throttled429 > 0, `the scenario did throttle the worker: ${counts}`);
  });

  describe('a deletion followed by a forced 410 [sqlite]', function () {
    let env: SyncEnv;

    before(async function () {
      env = await startBenchEnv('sqlite');
    });

    after(async function () {
      await env?.close();
    });

    it('removes the deleted message from the CRM after the re-baseline', async function () {
      const [user] = createUsers(env, 1, 'resync');
      const accountId = await connectFast(env, user!);
      await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
      await switchOff(env.store, [accountId], 'diary');
      await generateMailbox(env, user!.id, { messages: 60, events: 0, seed: 3 });
      const rules = rulesFor(await seedContactsFromMailbox(env, user!.id));
      const run = async () => {
        assert.ok(await claimAccount(env.db, accountId, { owner: 'test', leaseMs: 60_000, now: Date.now() }));
        return syncAccount(
          {
            db: env.db,
            owner: 'test',
            graphBaseUrl: env.emu.origin,
            fetch: env.fetch,
            limiter: new MailboxLimiter(4),
            tokens: env.tokens,
            settings: testSettings(),
            subscriptions: null,
            logger: env.logger,
            now: Date.now,
            random: Math.random,
          },
          accountId,
          () => false,
        );
      };
      assert.equal((await run()).outcome, 'completed');
      const account = { accountId, userId: user!.id };
      assert.equal((await compareAccount(env, account, rules, { diary: false })).unexpected, 0);

      // A filed message is deleted in Outlook; before the next round Graph drops the sync state.
      const messages = env.emu.ctx.mailboxes.mailbox(user!.id).messages;
      const record = [...messages.all()].find((r) => r.folder === 'inbox')!;
      const deleted = await env.control(
        'DELETE',
        `/mailboxes/${user!.id}/messages/${messages.immutableId(record.key)}`,
      );
      assert.equal(deleted.status, 204);
      const faults = await env.control('PUT', `/mailboxes/${user!.id}/faults`, { syncStateGone: 1 });
      assert.equal(faults.status, 200);

      assert.equal((await run()).outcome, 'completed');
      const after = await compareAccount(env, account, rules, { diary: false });
      assert.deepEqual(
        { lost: after.lost, duplicated: after.duplicated, unexpected: after.unexpected },
        { lost: 0, duplicated: 0, unexpected: 0 },
        after.examples.join('\n'),
      );
    });
  });
});
