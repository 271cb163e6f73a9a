import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes a results file, formatted as the repository's Prettier check expects it (the files are committed). */
export async function writeResults(file: string, results: object): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const target = path.join(RESULTS_DIR, file);
  const options = (await prettier.resolveConfig(target)) ?? {};
  writeFileSync(target, await prettier.format(JSON.stringify(results), { ...options, filepath: target }));
  return target;
}

/** Keys that describe a figure rather than being one; left out of the printed table. */
const CONTEXT_KEYS = new Set(['machine', 'measuredAt', 'commit', 'settings', 'notMeasured', 'notes']);

/** One row per figure: `section.key  value`, nested objects flattened with dots. */
export function table(results: Record<string, unknown>): string {
  const rows: [string, string][] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) if (!CONTEXT_KEYS.has(k)) walk(`${prefix}.${k}`, v);
      const notMeasured = (value as { notMeasured?: unknown }).notMeasured;
      if (typeof notMeasured === 'string') rows.push([prefix, `not measured: ${notMeasured}`]);
      return;
    }
    rows.push([prefix, Array.isArray(value) ? JSON.stringify(value) : String(value)]);
  };
  for (const [k, v] of Object.entries(results)) if (!CONTEXT_KEYS.has(k)) walk(k, v);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
