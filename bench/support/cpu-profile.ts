import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a process's CPU went, from the V8 profile `node --cpu-prof` writes at exit. Each sample is
 * charged to the concern of the nearest frame on its stack that one can be named for (walking from
 * the sampled frame towards the root), so native work is charged to whoever called it: SQLite's C++
 * to the SQL layer, JSON.parse to parsing, and so on.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** Microseconds of the system's monotonic clock (CLOCK_MONOTONIC, as `process.hrtime`), on Linux. */
  startTime: number;
}

/**
 * A span of the monotonic clock in microseconds (`process.hrtime.bigint() / 1000n` in any process of
 * the machine, since V8 stamps its samples with the same clock): only samples taken inside it count,
 * so start-up (loading modules, opening the store) and shutdown stay out of a figure about the work.
 */
export interface SampleWindow {
  fromUs: number;
  toUs: number;
}

/** A concern and how to recognise its frames (by script URL, or by V8's names for its own work). */
const CATEGORIES: readonly [string, (frame: ProfileNode['callFrame']) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)' || f.functionName === '(program)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['JSON parsing', (f) => f.functionName === 'parse' && f.url === ''],
  ['validation (zod)', (f) => f.url.includes('/node_modules/zod/')],
  [
    'SQL (kysely, better-sqlite3, pg)',
    (f) => /\/node_modules\/(kysely|better-sqlite3|pg[^/]*)\//.test(f.url),
  ],
  [
    'store writes (bot/sync, bot/store)',
    (f) => /\/bot\/(store\/|sync\/(apply-ops|page-commit|filed-tables|lease|run-record))/.test(f.url),
  ],
  ['filing rules (bot/sync/core)', (f) => f.url.includes('/bot/sync/core/')],
  [
    'HTTP and Graph client',
    (f) =>
      /\/node_modules\/(undici|@microsoft\/microsoft-graph-client)\/|node:internal\/deps\/undici|node:(net|tls|_http)/.test(
        f.url,
      ),
  ],
  ['other worker code (bot/)', (f) => f.url.includes('/bot/')],
  [
    'module loading (tsx)',
    (f) => f.url.includes('/node_modules/tsx/') || f.url.includes('node:internal/modules'),
  ],
];

const OTHER = 'other (node internals, libraries)';

export interface CpuBreakdown {
  /** Milliseconds of sampled CPU (idle excluded) by concern, largest first. */
  ms: Record<string, number>;
  /** The same as shares of the sampled CPU. */
  share: Record<string, number>;
  sampledMs: number;
}

/** The breakdown of one or more profiles (a process writes one per thread), summed. */
export function summariseProfiles(profiles: readonly CpuProfile[], window?: SampleWindow): CpuBreakdown {
  const totals = new Map<string, number>();
  for (const profile of profiles) {
    for (const [name, ms] of threadTotals(profile, window)) totals.set(name, (totals.get(name) ?? 0) + ms);
  }
  totals.delete('idle');
  const sampledMs = [...totals.values()].reduce((a, b) => a + b, 0);
  const sorted = [...totals.entries()].sort((a, b) => b[1] - a[1]);
  return {
    ms: Object.fromEntries(sorted.map(([k, v]) => [k, Math.round(v)])),
    share: Object.fromEntries(sorted.map(([k, v]) => [k, Math.round((v / sampledMs) * 1000) / 1000])),
    sampledMs: Math.round(sampledMs),
  };
}

function threadTotals(profile: CpuProfile, window?: SampleWindow): Map<string, number> {
  const own = new Map<number, string | undefined>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    own.set(node.id, CATEGORIES.find(([, test]) => test(node.callFrame))?.[0]);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const category = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = category.get(id);
    if (known !== undefined) return known;
    const up = parent.get(id);
    const name = own.get(id) ?? (up === undefined ? OTHER : resolve(up));
    category.set(id, name);
    return name;
  };
  const totals = new Map<string, number>();
  // A sample is stamped at its end; its delta is the time since the previous one.
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at <= window.fromUs || at > window.toUs)) return;
    const name = resolve(id);
    totals.set(name, (totals.get(name) ?? 0) + delta / 1000);
  });
  return totals;
}

/** The breakdown of the profiles a process's threads wrote into `dir`, within `window` if given. */
export function summariseProfileDir(dir: string, window?: SampleWindow): CpuBreakdown {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no CPU profile was written to ${dir}`);
  return summariseProfiles(
    files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile),
    window,
  );
}

/** Now on the clock a SampleWindow is measured in. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
