import assert from 'node:assert/strict';
import { MailboxLimiter } from '../../../bot/sync/core/mailbox-limiter.js';

describe('sync/core/mailbox-limiter', () => {
  it('lets at most four requests run per mailbox, in arrival order, independently of other mailboxes', async () => {
    const limiter = new MailboxLimiter(4);
    const releases = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire('alice')));
    const order: number[] = [];
    const fifth = limiter.acquire('alice').then((r) => (order.push(5), r));
    const sixth = limiter.acquire('alice').then((r) => (order.push(6), r));
    const other = await limiter.acquire('dan');
    assert.equal(limiter.inFlight('alice'), 4);
    assert.equal(limiter.inFlight('dan'), 1);
    await Promise.resolve();
    assert.deepEqual(order, []);
    releases[0]?.();
    releases[0]?.();
    const r5 = await fifth;
    assert.deepEqual(order, [5]);
    assert.equal(limiter.inFlight('alice'), 4);
    releases[1]?.();
    const r6 = await sixth;
    assert.deepEqual(order, [5, 6]);
    for (const release of [releases[2], releases[3], r5, r6, other]) release?.();
    assert.equal(limiter.inFlight('alice'), 0);
  });

  it('remembers the latest Retry-After deadline per mailbox and forgets idle mailboxes', () => {
    const limiter = new MailboxLimiter();
    limiter.blockUntil('alice', 10_000);
    limiter.blockUntil('alice', 5_000);
    assert.equal(limiter.waitMs('alice', 4_000), 6_000);
    assert.equal(limiter.waitMs('dan', 4_000), 0);
    limiter.forgetIdle(9_000);
    assert.equal(limiter.waitMs('alice', 9_000), 1_000);
    limiter.forgetIdle(10_000);
    assert.equal(limiter.waitMs('alice', 0), 0);
  });

  it('after a Retry-After lets one request go first and the others only after its answer', async () => {
    const limiter = new MailboxLimiter();
    assert.equal(limiter.beginRequest('alice'), undefined, 'never throttled: no request waits for another');
    limiter.blockUntil('alice', 1_000);
    const probe = limiter.beginRequest('alice');
    assert.ok(probe, 'the first request after the deadline is the probe');
    const awaited = limiter.probeInFlight('alice');
    assert.ok(awaited, 'the others see a probe to wait for');
    assert.equal(limiter.probeInFlight('dan'), undefined, 'another mailbox waits for nothing');

    // Throttled again: the next request after the new deadline is a probe as well.
    limiter.blockUntil('alice', 2_000);
    probe(true);
    await awaited;
    assert.equal(limiter.probeInFlight('alice'), undefined);
    const second = limiter.beginRequest('alice');
    assert.ok(second);

    // Accepted: requests go side by side again.
    second(false);
    assert.equal(limiter.probeInFlight('alice'), undefined);
    assert.equal(limiter.beginRequest('alice'), undefined);
  });

  it('refuses a nonsense limit', () => {
    assert.throws(() => new MailboxLimiter(0), RangeError);
  });
});
