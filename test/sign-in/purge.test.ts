import assert from 'node:assert/strict';
import { startBotStack, openUrlOf, PEOPLE, type BotStack } from '../teams/support/bot-stack.js';
import { accountOf, startEnabling } from '../teams/support/journeys.js';

/**
 * Sign-in attempts and used consent states would otherwise pile up for ever. Starting a sign-in
 * clears those whose links expired long ago, so the tables stay as small as the traffic.
 */
describe('expired sign-in records are purged', function () {
  let stack: BotStack;
  before(async () => {
    stack = await startBotStack();
  });
  after(() => stack.close());

  it('removes expired attempts and used link states when a sign-in starts, keeping live ones', async () => {
    const card = await startEnabling(stack, PEOPLE.alice);
    const account = (await accountOf(stack, PEOPLE.alice))!;
    const longAgo = new Date(Date.now() - 24 * 3600_000).toISOString();
    const later = new Date(Date.now() + 3600_000).toISOString();
    await stack.store.db
      .insertInto('sign_in_attempts')
      .values({
        id: 'old-attempt',
        ticket_jti: 'old-ticket',
        account_id: account.id,
        code_verifier: 'sealed',
        created_at: longAgo,
        expires_at: longAgo,
        completed_at: null,
      })
      .execute();
    await stack.store.db
      .insertInto('used_link_states')
      .values([
        { jti: 'old-state', purpose: 'p', used_at: longAgo, expires_at: longAgo },
        { jti: 'live-state', purpose: 'p', used_at: longAgo, expires_at: later },
      ])
      .execute();

    const res = await fetch(openUrlOf(card, 'Sign in'), { redirect: 'manual' });
    assert.equal(res.status, 302);

    const attempts = await stack.store.db.selectFrom('sign_in_attempts').select('id').execute();
    assert.ok(!attempts.some((a) => a.id === 'old-attempt'));
    assert.equal(attempts.length, 1, 'the attempt just started stays');
    const states = await stack.store.db.selectFrom('used_link_states').select('jti').execute();
    assert.deepEqual(
      states.map((s) => s.jti),
      ['live-state'],
    );
  });
});
