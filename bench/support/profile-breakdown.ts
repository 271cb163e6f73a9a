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

type Frame = ProfileNode['callFrame'];

/**
 * The concerns of a bot turn, each recognised by a frame: a sample is charged to the nearest frame on
 * its stack (from the sampled one towards the root) that names one, so a socket write is charged as
 * such whoever made it, and V8's or Node's own work to the library that asked for it.
 */
const TURN_CONCERNS: readonly [string, (f: Frame) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  [
    'socket writes and reads (system calls)',
    (f) =>
      !f.url && /^(writev|writeLatin1String|writeUtf8String|writeBuffer|onStreamRead)$/.test(f.functionName),
  ],
  [
    'SQL (kysely, better-sqlite3, bot/store)',
    (f) => /\/node_modules\/(kysely|better-sqlite3)\//.test(f.url) || f.url.includes('/bot/store/'),
  ],
  [
    'JWT validation (jose, bot/teams/channel-*)',
    (f) => f.url.includes('/node_modules/jose/') || /\/bot\/teams\/channel-(token|auth)/.test(f.url),
  ],
  ['validation (zod)', (f) => f.url.includes('/node_modules/zod/')],
  [
    'cards (adaptivecards-templating, expressions, bot/cards)',
    (f) =>
      /\/node_modules\/(adaptive-expressions|adaptivecards-templating|antlr4ts)\//.test(f.url) ||
      f.url.includes('/bot/cards/'),
  ],
  [
    'outbound HTTP (Bot Connector client, Azure core, http client)',
    (f) =>
      /\/node_modules\/(@azure\/[^/]+|@typespec\/ts-http-runtime|botframework-connector|botbuilder-stdlib)\//.test(
        f.url,
      ) || /^node:(_http_client|_http_agent)$/.test(f.url),
  ],
  [
    'inbound HTTP (restify, http server)',
    (f) => /\/node_modules\/(restify|find-my-way|assert-plus)\//.test(f.url) || f.url === 'node:_http_server',
  ],
  ['teamsfx middlewares', (f) => f.url.includes('/node_modules/@microsoft/teamsfx/')],
  ['botbuilder turn pipeline', (f) => /\/node_modules\/botbuilder(-core)?\//.test(f.url)],
  ['logging (pino)', (f) => /\/node_modules\/(pino|sonic-boom|thread-stream)\//.test(f.url)],
  ['bot code (bot/)', (f) => f.url.includes('/bot/')],
];
const OTHER_CONCERN = 'other (Node internals, promise jobs)';

/** A sample's concern, from the frame sampled up to the root. */
export function concernOf(stack: readonly Frame[]): string {
  for (const frame of stack) {
    const found = TURN_CONCERNS.find(([, test]) => test(frame));
    if (found) return found[0];
  }
  return OTHER_CONCERN;
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
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = (id: number) => {
    const frames: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      frames.push(byId.get(at)!.callFrame);
    return frames;
  };
  const categories = new Map<string, number>();
  const concerns = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const category = categoryOf(url, functionName);
    if (category === '(idle)') continue;
    busy += us;
    categories.set(category, (categories.get(category) ?? 0) + us);
    const concern = concernOf(stackOf(id));
    concerns.set(concern, (concerns.get(concern) ?? 0) + us);
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
  return `busy (not idle) from the first turn to the last: ${(busy / 1000).toFixed(0)} ms\n\nby concern of a turn\n${lines(concerns)}\n\nby package or folder (self time)\n${lines(categories)}\n\ntop functions (self time)\n${lines(functions)}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-breakdown.ts <file.cpuprofile> [top]');
  console.log(breakdown(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25)));
}
