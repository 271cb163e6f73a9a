import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { loopTurn } from '../../emulator/loop-turn.js';

describe('emulator/loop-turn', function () {
  it('gives one number to a turn of the event loop and a larger one to any later turn', async function () {
    const first = loopTurn();
    await Promise.resolve();
    assert.equal(loopTurn(), first, 'a microtask later is the same turn');
    await nextTurn();
    const second = loopTurn();
    assert.ok(second > first, 'after the check phase a new turn begins');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(loopTurn() > second);
  });
});
