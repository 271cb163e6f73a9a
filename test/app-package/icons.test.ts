import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { drawColorIcon, drawOutlineIcon } from '../../scripts/make-icons.js';
import { ROOT } from '../env/project-files.js';

const load = (name: string) => PNG.sync.read(readFileSync(path.join(ROOT, 'appPackage', name)));

function pixels(png: PNG): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < png.data.length; i += 4) {
    out.push([png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]] as [
      number,
      number,
      number,
      number,
    ]);
  }
  return out;
}

describe('app icons', () => {
  it('color.png is 192×192, fully opaque and in colour', () => {
    const png = load('color.png');
    assert.deepEqual([png.width, png.height], [192, 192]);
    const all = pixels(png);
    assert.ok(
      all.every((p) => p[3] === 255),
      'every pixel opaque',
    );
    const colourful = all.filter(([r, g, b]) => Math.max(r, g, b) - Math.min(r, g, b) > 40).length;
    assert.ok(colourful > all.length / 2, 'mostly coloured, not grey');
    assert.ok(
      all.some(([r, g, b]) => r === 255 && g === 255 && b === 255),
      'has the white symbol',
    );
  });

  it('outline.png is 32×32 with only white or fully transparent pixels', () => {
    const png = load('outline.png');
    assert.deepEqual([png.width, png.height], [32, 32]);
    const all = pixels(png);
    const offending = all.filter(([r, g, b, a]) => a !== 0 && (r !== 255 || g !== 255 || b !== 255));
    assert.deepEqual(offending, []);
    const opaque = all.filter((p) => p[3] === 255).length;
    const clear = all.filter((p) => p[3] === 0).length;
    assert.ok(
      opaque > 100 && clear > 300,
      `a visible symbol on transparency (${opaque} opaque, ${clear} clear)`,
    );
  });

  it('the committed icons are what scripts/make-icons.ts draws', () => {
    assert.ok(load('color.png').data.equals(drawColorIcon().data), 'run: npx tsx scripts/make-icons.ts');
    assert.ok(load('outline.png').data.equals(drawOutlineIcon().data), 'run: npx tsx scripts/make-icons.ts');
  });
});
