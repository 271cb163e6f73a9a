import assert from 'node:assert/strict';
import { expandCard } from '../../bot/cards/expand.js';

describe('expandCard', () => {
  const template = {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Hello ${name}' },
      { type: 'TextBlock', text: 'hidden', $when: '${hide == false}' },
    ],
  };

  it('fills values and applies $when', () => {
    const card = expandCard(template, { name: 'Alice', hide: true });
    assert.deepEqual(card.body, [{ type: 'TextBlock', text: 'Hello Alice' }]);
  });

  it('inserts user text as data, never evaluating expressions inside it', () => {
    const card = expandCard(template, { name: '${hide} {{DATE(x)}}', hide: false });
    assert.deepEqual(card.body[0], { type: 'TextBlock', text: 'Hello ${hide} {{DATE(x)}}' });
  });

  it('expands the same template again and again with nothing carried over from one card to the next', () => {
    const before = JSON.stringify(template);
    const repeated = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', $data: '${rows}', text: '${label}' }],
    };
    assert.deepEqual(expandCard(template, { name: 'Alice', hide: false }).body, [
      { type: 'TextBlock', text: 'Hello Alice' },
      { type: 'TextBlock', text: 'hidden' },
    ]);
    assert.deepEqual(expandCard(template, { name: 'Ben', hide: true }).body, [
      { type: 'TextBlock', text: 'Hello Ben' },
    ]);
    assert.deepEqual(expandCard(template, { name: 'Carol', hide: false }).body[0], {
      type: 'TextBlock',
      text: 'Hello Carol',
    });
    assert.deepEqual(expandCard(repeated, { rows: [{ label: 'a' }, { label: 'b' }] }).body, [
      { type: 'TextBlock', text: 'a' },
      { type: 'TextBlock', text: 'b' },
    ]);
    assert.deepEqual(expandCard(repeated, { rows: [{ label: 'c' }] }).body, [
      { type: 'TextBlock', text: 'c' },
    ]);
    assert.equal(JSON.stringify(template), before, 'the template itself is left as it was');
  });
});
