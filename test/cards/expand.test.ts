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
});
