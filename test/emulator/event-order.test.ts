import assert from 'node:assert/strict';
import { afterClientCouldRead, nextEvent } from '../../emulator/event-order.js';

describe('emulator/event-order', function () {
  it('numbers events in the order they happen', function () {
    const first = nextEvent();
    assert.ok(nextEvent() > first);
  });

  it("numbers a written answer in the second check phase after the write, before the third's", async function () {
    // One event in each of the next three check phases, queued before the answer's own hops.
    const phases: number[] = [];
    const hop = (left: number) =>
      setImmediate(() => {
        phases.push(nextEvent());
        if (left > 1) hop(left - 1);
      });
    hop(3);
    const answer = await afterClientCouldRead();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(phases.length, 3);
    // A request read in the poll phase after the write is numbered below the answer: it may have crossed it.
    assert.ok(phases[0]! < answer, 'after the first check phase');
    assert.ok(phases[1]! < answer, 'in the second');
    // One read in the poll after that (a client in this process has read the answer) is numbered above.
    assert.ok(answer < phases[2]!, 'before the third');
  });
});
