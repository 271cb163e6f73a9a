import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from './report.js';

/**
 * A run of some sections only (`CHAOS_ONLY=crmWrites`, `BENCH_ONLY=bot`) updates those sections of the committed results
 * and keeps every other section's figures, so measuring one section never throws the others away. The
 * top level (`machine`, `startedAt`, `durationSeconds`) keeps describing the last full run; each section
 * carries its own `machine` and `measuredAt`.
 */
export function mergeSections(
  previous: Record<string, unknown>,
  run: Record<string, unknown>,
  sections: readonly string[],
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  // In the run's key order, so a section measured alone sits where a full run puts it.
  for (const key of new Set([...Object.keys(run), ...Object.keys(previous)])) {
    const value = sections.includes(key) && run[key] !== undefined ? run[key] : previous[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/**
 * The figures to write to `file` (under bench/results/): the whole run when every section ran or the file
 * is new, else the sections that ran merged into what the file holds.
 */
export function resultsToWrite(
  file: string,
  run: Record<string, unknown>,
  ran: readonly string[],
  all: readonly string[],
): Record<string, unknown> {
  const target = path.join(RESULTS_DIR, file);
  if (ran.length === all.length || !existsSync(target)) return run;
  return mergeSections(JSON.parse(readFileSync(target, 'utf8')) as Record<string, unknown>, run, ran);
}
