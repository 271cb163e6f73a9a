import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { ROOT } from '../env/project-files.js';

/**
 * The committed icons against the manifest's icon rules ("root.icons object", Microsoft 365 app manifest
 * schema): `color` a full-colour 192×192 PNG, `outline` a transparent 32×32 PNG. Read from the PNG chunks
 * themselves (PNG specification: signature, IHDR, CRC per chunk, zlib-compressed IDAT).
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// IHDR colour types: 4 grey + alpha, 6 RGB + alpha; other types are transparent only with a tRNS chunk.
const WITH_ALPHA = new Set([4, 6]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  chunkTypes: string[];
  pixelBytes: number;
}

function readPng(name: string): Png {
  const file = readFileSync(path.join(ROOT, 'appPackage', name));
  assert.ok(file.subarray(0, 8).equals(SIGNATURE), `${name} starts with the PNG signature`);
  const chunkTypes: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  for (let at = 8; at < file.length;) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    const crc = file.readUInt32BE(at + 8 + length);
    assert.equal(crc32(file.subarray(at + 4, at + 8 + length)), crc, `${name}: ${type} chunk CRC`);
    chunkTypes.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  assert.ok(ihdr, `${name} has an IHDR chunk`);
  assert.equal(chunkTypes[0], 'IHDR');
  assert.equal(chunkTypes.at(-1), 'IEND');
  return {
    width: ihdr.readUInt32BE(0),
    height: ihdr.readUInt32BE(4),
    bitDepth: ihdr[8]!,
    colourType: ihdr[9]!,
    chunkTypes,
    pixelBytes: inflateSync(Buffer.concat(idat)).length,
  };
}

/** Non-interlaced scanlines: one filter byte, then width × channels × bit depth bits. */
const expectedPixelBytes = (png: Png) =>
  png.height * (1 + Math.ceil((png.width * CHANNELS[png.colourType]! * png.bitDepth) / 8));

describe('app icons', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'appPackage', 'manifest.json'), 'utf8')) as {
    icons: { color: string; outline: string };
  };

  it('the manifest names color.png and outline.png', () => {
    assert.deepEqual(manifest.icons, { color: 'color.png', outline: 'outline.png' });
  });

  it('color.png is a complete 192×192 full-colour PNG', () => {
    const png = readPng(manifest.icons.color);
    assert.deepEqual([png.width, png.height], [192, 192]);
    assert.ok([2, 6].includes(png.colourType), `RGB colour type, not grey or palette (${png.colourType})`);
    assert.equal(png.pixelBytes, expectedPixelBytes(png), 'the image data covers every pixel');
  });

  it('outline.png is a complete 32×32 PNG with transparency', () => {
    const png = readPng(manifest.icons.outline);
    assert.deepEqual([png.width, png.height], [32, 32]);
    assert.ok(
      WITH_ALPHA.has(png.colourType) || png.chunkTypes.includes('tRNS'),
      `an alpha channel or tRNS chunk (colour type ${png.colourType})`,
    );
    assert.equal(png.pixelBytes, expectedPixelBytes(png), 'the image data covers every pixel');
  });
});
