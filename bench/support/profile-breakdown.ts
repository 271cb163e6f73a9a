/**
 * Where a V8 CPU profile (`node --cpu-prof`) spends its time: self time grouped by npm package, by
 * repository folder, or by V8's own entries (garbage collection, idle), with the top functions.
 * `npx tsx bench/support/profile-breakdown.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/<pkg>` (scoped included), a repository folder, or V8's own name for the entry. */
export function categoryOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  // node:internal/crypto, node:internal/streams...: Node's own modules by area.
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const repo = /\/(bot|shared|emulator|bench|test)\/((?:[^/]+\/)?)/.exec(url);
  if (repo) return `${repo[1]}/${repo[2]}`;
  return url;
}

/**
 * The samples from the first taken inside POST /api/messages (a frame of bot/teams) to the last:
 * start-up (loading modules, opening the store) and shutdown are not part of a turn.
 */
function turnWindow(profile: Profile, byId: Map<number, ProfileNode>): [number, number] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inTurn = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (byId.get(at)!.callFrame.url.includes('/bot/teams/')) return true;
    return false;
  };
  const first = profile.samples.findIndex(inTurn);
  const last = profile.samples.findLastIndex(inTurn);
  return first < 0 ? [0, profile.samples.length] : [first, last + 1];
}

export function breakdown(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const [from, to] = turnWindow(profile, byId);
  for (let i = from; i < to; i += 1) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const category = categoryOf(url, functionName);
    if (category === '(idle)') continue;
    busy += us;
    categories.set(category, (categories.get(category) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
      )
      .join('\n');
  return `busy (not idle) from the first turn to the last: ${(busy / 1000).toFixed(0)} ms\n\nby package or folder (self time)\n${lines(categories)}\n\ntop functions (self time)\n${lines(functions)}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-breakdown.ts <file.cpuprofile> [top]');
  console.log(breakdown(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25)));
}
