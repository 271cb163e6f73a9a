import assert from 'node:assert/strict';
import * as ACData from 'adaptivecards-templating';
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

  describe('cards expanded lately', () => {
    const original = ACData.Template.prototype.expand;
    let expansions = 0;
    beforeEach(() => {
      expansions = 0;
      ACData.Template.prototype.expand = function (this: ACData.Template, ...args) {
        expansions += 1;
        return original.apply(this, args);
      };
    });
    afterEach(() => {
      ACData.Template.prototype.expand = original;
    });

    const cached = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'Status of ${who}: ${state}' }],
    };

    it('gives the same data the same card without evaluating the template again', () => {
      const first = expandCard(cached, { who: 'Dana', state: 'ready' });
      const again = expandCard(cached, { who: 'Dana', state: 'ready' });
      assert.deepEqual(again, first);
      assert.equal(expansions, 1);
    });

    it('gives changed data a changed card', () => {
      expandCard(cached, { who: 'Erin', state: 'ready' });
      const changed = expandCard(cached, { who: 'Erin', state: 'paused' });
      assert.deepEqual(changed.body, [{ type: 'TextBlock', text: 'Status of Erin: paused' }]);
      assert.equal(expansions, 2);
    });

    it("keeps templates apart: the same data in another template is that template's card", () => {
      const other = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: '${who}' }] };
      expandCard(cached, { who: 'Finn', state: 'ready' });
      assert.deepEqual(expandCard(other, { who: 'Finn', state: 'ready' }).body, [
        { type: 'TextBlock', text: 'Finn' },
      ]);
    });

    it('hands out a new card each time, so changing one leaves the next as expanded', () => {
      const first = expandCard(cached, { who: 'Gus', state: 'ready' });
      first.body.push({ type: 'TextBlock', text: 'added by a caller' });
      assert.deepEqual(expandCard(cached, { who: 'Gus', state: 'ready' }).body, [
        { type: 'TextBlock', text: 'Status of Gus: ready' },
      ]);
    });

    it('keeps a bounded number of cards: the oldest is expanded again once many others came after it', () => {
      expandCard(cached, { who: 'Hana', state: 'ready' });
      for (let i = 0; i < 600; i += 1) expandCard(cached, { who: `person ${i}`, state: 'ready' });
      const before = expansions;
      expandCard(cached, { who: 'Hana', state: 'ready' });
      assert.equal(expansions, before + 1);
    });
  });
});
