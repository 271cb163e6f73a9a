import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterClientCouldRead, nextEvent } from '../../emulator/event-order.js';

describe('emulator/event-order', function () {
  it('numbers events in the order they happen', function () {
    const first = nextEvent();
    assert.ok(nextEvent() > first);
  });

  it('numbers a written answer after one turn of the event loop has passed, before the second has', async function () {
    const seen: string[] = [];
    const answer = afterClientCouldRead().then((event) => seen.push(`answer ${event}`));
    // A client in this process reads the answer in the next turn and its request arrives in the turn after.
    await nextTurn();
    seen.push('first turn over');
    await answer;
    const afterSecondTurn = nextEvent();
    assert.deepEqual(seen.slice(0, 1), ['first turn over']);
    assert.ok(Number(seen[1]!.split(' ')[1]) < afterSecondTurn);
  });
});
