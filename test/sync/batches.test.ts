import assert from 'node:assert/strict';
import { chunks, forEachGroupChunk, inList } from '../../bot/sync/batches.js';

describe('sync/batches', () => {
  it('pads an IN list to a power of two with its last value, keeping every value', () => {
    assert.deepEqual(inList([]), []);
    assert.deepEqual(inList(['a']), ['a']);
    assert.deepEqual(inList(['a', 'b', 'c']), ['a', 'b', 'c', 'c']);
    for (const n of [5, 100, 497, 512]) {
      const values = Array.from({ length: n }, (_, i) => `v${i}`);
      const padded = inList(values);
      assert.equal(Math.log2(padded.length) % 1, 0, `${n} → ${padded.length}`);
      assert.ok(padded.length < 2 * n);
      assert.deepEqual(new Set(padded), new Set(values));
    }
  });

  it('writes each group’s distinct values in chunks, each a padded IN list', async () => {
    const items = Array.from({ length: 600 }, (_, i) => ({ account: i % 2 ? 'a' : 'b', id: `m${i % 300}` }));
    const calls: { group: readonly string[]; values: string[] }[] = [];
    await forEachGroupChunk(
      items,
      (i) => [i.account],
      (i) => i.id,
      async (group, values) => {
        calls.push({ group, values });
      },
    );
    const seen = new Map<string, Set<string>>();
    for (const { group, values } of calls) {
      assert.equal(Math.log2(values.length) % 1, 0);
      const set = seen.get(group[0]!) ?? new Set<string>();
      for (const v of values) set.add(v);
      seen.set(group[0]!, set);
    }
    assert.deepEqual([...seen].map(([g, v]) => [g, v.size]).sort(), [
      ['a', 150],
      ['b', 150],
    ]);
    assert.equal(chunks(Array.from({ length: 1025 }, (_, i) => i)).length, 3);
  });
});
