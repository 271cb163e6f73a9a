import assert from 'node:assert/strict';
import { createNotificationQueue, type QueuedBody } from '../../bot/sync/notification-queue.js';

/** A handler that records each batch and holds it until the test lets it go. */
function heldHandler() {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  return {
    batches,
    release: () => releases.shift()?.(),
    handle: (batch: readonly QueuedBody<string>[]) => {
      batches.push(batch.flatMap((b) => b.items));
      return new Promise<void>((resolve) => releases.push(resolve));
    },
  };
}

const body = (...items: string[]): QueuedBody<string> => ({ kind: 'change', items });

describe('notification queue', function () {
  it('takes the bodies that arrived while a batch was handled as the next batch, in arrival order', async function () {
    const held = heldHandler();
    const queue = createNotificationQueue({ maxItems: 100, handle: held.handle, onError: assert.fail });
    assert.ok(queue.offer(body('a')));
    assert.ok(queue.offer(body('b', 'c')));
    assert.ok(queue.offer(body('d')));
    assert.deepEqual(held.batches, [['a']]);
    held.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(held.batches, [['a'], ['b', 'c', 'd']]);
    held.release();
    await queue.drained();
    assert.equal(queue.size(), 0);
  });

  it('refuses a body that does not fit beside what is queued, and takes it once the queue has room', async function () {
    const held = heldHandler();
    const queue = createNotificationQueue({ maxItems: 3, handle: held.handle, onError: assert.fail });
    assert.ok(queue.offer(body('a', 'b')));
    assert.equal(queue.offer(body('c', 'd')), false);
    assert.equal(queue.size(), 2, 'the refused body queued nothing');
    assert.ok(queue.offer(body('c')));
    held.release();
    await new Promise((resolve) => setImmediate(resolve));
    held.release();
    await queue.drained();
    assert.ok(queue.offer(body('c', 'd')));
    held.release();
    await queue.drained();
    assert.deepEqual(held.batches, [['a', 'b'], ['c'], ['c', 'd']]);
  });

  it('tries a failed batch again, since Graph will not deliver an answered body again', async function () {
    const seen: string[][] = [];
    const queue = createNotificationQueue<string>({
      maxItems: 10,
      handle: async (batch) => {
        seen.push(batch.flatMap((b) => b.items));
        if (seen.length <= 2) throw new Error('database briefly away');
      },
      onError: assert.fail,
      retryDelaysMs: [1, 1, 1],
    });
    queue.offer(body('a'));
    await queue.drained();
    assert.deepEqual(seen, [['a'], ['a'], ['a']], 'handled on the third try');
  });

  it('reports a batch that fails every try, gives it up and goes on with the next', async function () {
    const errors: unknown[] = [];
    const seen: string[][] = [];
    const queue = createNotificationQueue<string>({
      maxItems: 10,
      handle: async (batch) => {
        seen.push(batch.flatMap((b) => b.items));
        if (seen.length <= 3) throw new Error('database down');
      },
      onError: (err) => errors.push(err),
      retryDelaysMs: [1, 1],
    });
    queue.offer(body('a'));
    queue.offer(body('b'));
    await queue.drained();
    assert.deepEqual(seen, [['a'], ['a'], ['a'], ['b']]);
    assert.equal(errors.length, 1);
    assert.equal(queue.size(), 0, 'the failed batch no longer takes room');
  });

  it('cuts a batch at a thousand items, never splitting a body', async function () {
    const seen: number[] = [];
    const queue = createNotificationQueue<string>({
      maxItems: 5000,
      handle: async (batch) => void seen.push(batch.reduce((n, b) => n + b.items.length, 0)),
      onError: assert.fail,
    });
    const six = Array.from({ length: 600 }, (_, i) => `x${i}`);
    for (let i = 0; i < 4; i += 1) queue.offer(body(...six));
    await queue.drained();
    assert.deepEqual(seen, [600, 600, 600, 600]);
  });
});
