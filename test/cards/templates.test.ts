import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Every card template, read as Teams would render it: a screen reader announces an input by its label
 * and an image by its alternative text, so neither may be missing or empty anywhere in a card,
 * ShowCard sub-cards included.
 */

const DIR = 'bot/cards/templates';

type Element = { type?: unknown; id?: unknown; label?: unknown; altText?: unknown };

function elements(json: unknown): Element[] {
  if (Array.isArray(json)) return json.flatMap(elements);
  if (json === null || typeof json !== 'object') return [];
  return [json as Element, ...Object.values(json).flatMap(elements)];
}

const filled = (v: unknown) => typeof v === 'string' && v.trim() !== '';

describe('card templates are accessible (bot/cards/templates)', function () {
  it('label every input and describe every image, in every template', async function () {
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 20, `only ${files.length} templates found`);
    const problems: string[] = [];
    let inputs = 0;
    for (const file of files) {
      const card = JSON.parse(await readFile(path.join(DIR, file), 'utf8')) as unknown;
      for (const e of elements(card)) {
        if (typeof e.type !== 'string') continue;
        if (e.type.startsWith('Input.')) {
          inputs += 1;
          if (!filled(e.label)) problems.push(`${file}: ${e.type} "${String(e.id)}" has no label`);
        }
        if (e.type === 'Image' && !filled(e.altText)) problems.push(`${file}: an Image has no altText`);
      }
    }
    assert.deepEqual(problems, []);
    // The check has something to check: the cards do ask for input.
    assert.ok(inputs >= 5, `${inputs} inputs`);
  });
});
