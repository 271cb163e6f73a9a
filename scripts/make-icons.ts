import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';

/**
 * Draws the app's two Teams icons: a cloud with two sync arrows cut out of it. `color.png` (192×192)
 * is the white symbol on an opaque teal gradient; `outline.png` (32×32) is the symbol alone in white on
 * transparency, as Teams requires. Shapes are defined in a unit square and supersampled for smooth edges.
 * Run `npx tsx scripts/make-icons.ts` after changing the drawing; the PNGs are committed.
 */

type Point = readonly [number, number];

const SUPERSAMPLE = 4;
const CENTRE: Point = [0.51, 0.58];
const RING_INNER = 0.09;
const RING_OUTER = 0.15;
// Screen angles in degrees (y grows downwards): the upper arc and the lower arc of the sync mark.
const ARCS: ReadonlyArray<readonly [number, number]> = [
  [200, 330],
  [20, 150],
];

const inCircle = ([x, y]: Point, cx: number, cy: number, r: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

function inRoundedRect([x, y]: Point, x0: number, y0: number, x1: number, y1: number, r: number): boolean {
  const nx = Math.min(Math.max(x, x0 + r), x1 - r);
  const ny = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - nx) ** 2 + (y - ny) ** 2 <= r * r;
}

function inTriangle(p: Point, a: Point, b: Point, c: Point): boolean {
  const side = (u: Point, v: Point) => (p[0] - v[0]) * (u[1] - v[1]) - (u[0] - v[0]) * (p[1] - v[1]);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

function inCloud(p: Point): boolean {
  return (
    inCircle(p, 0.3, 0.6, 0.2) ||
    inCircle(p, 0.52, 0.44, 0.26) ||
    inCircle(p, 0.74, 0.62, 0.18) ||
    inRoundedRect(p, 0.1, 0.52, 0.92, 0.8, 0.14)
  );
}

function angleOf([x, y]: Point): number {
  const degrees = (Math.atan2(y - CENTRE[1], x - CENTRE[0]) * 180) / Math.PI;
  return (degrees + 360) % 360;
}

/** The arrowhead at the end of an arc, pointing on round the circle. */
function arrowhead(endDegrees: number): [Point, Point, Point] {
  const t = (endDegrees * Math.PI) / 180;
  const radial: Point = [Math.cos(t), Math.sin(t)];
  const tangent: Point = [-Math.sin(t), Math.cos(t)];
  const mid = (RING_INNER + RING_OUTER) / 2;
  const at = (r: number, ahead: number): Point => [
    CENTRE[0] + radial[0] * r + tangent[0] * ahead,
    CENTRE[1] + radial[1] * r + tangent[1] * ahead,
  ];
  return [at(mid - 0.085, 0), at(mid + 0.085, 0), at(mid, 0.1)];
}

function inSyncMark(p: Point): boolean {
  const r2 = (p[0] - CENTRE[0]) ** 2 + (p[1] - CENTRE[1]) ** 2;
  const onRing = r2 >= RING_INNER ** 2 && r2 <= RING_OUTER ** 2;
  const angle = angleOf(p);
  return ARCS.some(
    ([from, to]) => (onRing && angle >= from && angle <= to) || inTriangle(p, ...arrowhead(to)),
  );
}

const inSymbol = (p: Point) => inCloud(p) && !inSyncMark(p);

/** Fraction of a pixel covered by the symbol, where the symbol's unit square spans `box` pixels from `offset`. */
function coverage(px: number, py: number, offset: number, box: number): number {
  let hits = 0;
  for (let sy = 0; sy < SUPERSAMPLE; sy++) {
    for (let sx = 0; sx < SUPERSAMPLE; sx++) {
      const x = (px + (sx + 0.5) / SUPERSAMPLE - offset) / box;
      const y = (py + (sy + 0.5) / SUPERSAMPLE - offset) / box;
      if (inSymbol([x, y])) hits++;
    }
  }
  return hits / SUPERSAMPLE ** 2;
}

const TOP_COLOUR = [0x16, 0x9b, 0xbd] as const;
const BOTTOM_COLOUR = [0x0b, 0x4f, 0x6c] as const;

export function drawColorIcon(size = 192): PNG {
  const png = new PNG({ width: size, height: size });
  const box = size * 0.66;
  const offset = (size - box) / 2;
  for (let y = 0; y < size; y++) {
    const t = y / (size - 1);
    const background = TOP_COLOUR.map((top, i) => top + ((BOTTOM_COLOUR[i] as number) - top) * t);
    for (let x = 0; x < size; x++) {
      const c = coverage(x, y, offset, box);
      const i = (y * size + x) * 4;
      for (let ch = 0; ch < 3; ch++) {
        png.data[i + ch] = Math.round((background[ch] as number) * (1 - c) + 255 * c);
      }
      png.data[i + 3] = 255;
    }
  }
  return png;
}

export function drawOutlineIcon(size = 32): PNG {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = 255;
      png.data[i + 3] = Math.round(coverage(x, y, 0, size) * 255);
    }
  }
  return png;
}

function main(): void {
  const dir = path.join(process.cwd(), 'appPackage');
  writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(drawColorIcon()));
  writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(drawOutlineIcon()));
  console.log('Wrote appPackage/color.png and appPackage/outline.png');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
