import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS } from '../../bot/config/config.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');

/** The README's configuration table is the operator's reference: it must match what the code reads. */
describe('README configuration table', function () {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('## Point it at a real tenant'),
  );
  const documented = [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1] ?? '');

  it('has a row for every variable the configuration schema reads', function () {
    assert.deepEqual(
      CONFIG_KEYS.filter((k) => !documented.includes(k)),
      [],
    );
  });

  it('documents no variable the schema does not read', function () {
    const known = new Set<string>(CONFIG_KEYS);
    assert.deepEqual(
      documented.filter((k) => !known.has(k)),
      [],
    );
    assert.equal(new Set(documented).size, documented.length, 'each variable once');
  });
});
