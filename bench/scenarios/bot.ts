import { randomUUID } from 'node:crypto';
import { PEOPLE, type DemoPerson } from '../../test/teams/support/bot-stack.js';
import type { LoopWindow } from '../support/bot-loop-monitor.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { cpuMs, rssSampler } from '../support/process-stats.js';
import { percentile, round } from '../support/report.js';

/**
 * Command turns through POST /api/messages with JWT validation on, against the bot in a process of its
 * own (bench/support/bot-process.ts: bot/main.ts without the worker); the emulator and the channel
 * service receiving the replies run in this process. A turn is timed from the POST to its answer, which
 * comes after the bot has sent its reply card to the channel service. The bot process's CPU time comes
 * from /proc, so the driver's own work is not in it. Loads: each command alone (CPU per turn); one
 * conversation alone; many conversations at once each firing its next turn the moment the last one is
 * answered (saturation); and the same conversations pausing between turns as people do (paced).
 */

export interface BotOptions {
  conversations: number;
  turnsPerConversation: number;
  /** Turns of each command for its CPU figure. */
  cpuTurns: number;
  /**
   * Turns before anything is measured, one conversation after another: key discovery, the bot's own
   * token and V8's optimising compilers. A turn's CPU kept falling over the first ~3,000 turns (500-turn
   * batches on Node.js 24: 1.22, 1.18, 1.12, 0.90 … 0.92 ms), so a warm-up of 60 measured the compiler.
   */
  warmUpTurns: number;
  /** Paced run: a person's pause before each turn is uniform in [minThinkMs, maxThinkMs]. */
  minThinkMs: number;
  maxThinkMs: number;
  /** Write the bot process's CPU profile into this folder (BENCH_BOT_PROFILE_DIR). */
  cpuProfileDir?: string;
}

export interface BotResult {
  conversations: number;
  turns: number;
  /** Saturated: every conversation sends its next turn the moment the last one is answered. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  turnsPerSecond: number;
  /** The bot process's CPU time over the saturated run's wall clock: 1 is one core busy throughout. */
  botCoresBusy: number;
  /**
   * This driver's CPU over the same run (the emulator, the channel service and the clients, all in
   * one process): near 1, the driver rather than the bot sets the pace.
   */
  driverCoresBusy: number;
  failedTurns: number;
  /** The bot process's CPU time (user + system) per turn of one command, each run on its own. */
  cpuMsPerTurn: { help: number; status: number; saturated: number };
  /** The same conversations as people use them: a pause to read the answer and type the next command. */
  paced: {
    minThinkMs: number;
    maxThinkMs: number;
    turns: number;
    turnsPerSecond: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  /**
   * The bot's event loop in the saturated and the paced run (bench/support/bot-loop-monitor.ts): how
   * late it ran timers, and the garbage collector's pauses; a turn's wait beyond its own work is one
   * or the other.
   */
  eventLoop: { saturated: LoopWindow; paced: LoopWindow };
  /** One conversation alone, turn after turn: the cost of a turn without queueing behind others. */
  unloadedP50Ms: number;
  unloadedP99Ms: number;
  /**
   * TCP connections over the whole section (warm-up included): from the channel side to the bot, and
   * from the bot to the channel service. A few per concurrent conversation, not one per turn.
   */
  connections: { toBot: number; toChannel: number };
  /** Peak resident memory of the bot process alone. */
  rssMb: number;
  settings: { store: string; commands: string[]; logLevel: string; botProcess: string; warmUpTurns: number };
}

const PEOPLE_LIST: DemoPerson[] = Object.values(PEOPLE);
const COMMANDS = ['help', 'status'] as const;
/** What a deployment logs by default: the bot's per-request lines are part of a turn's cost. */
const LOG_LEVEL = 'info';

/**
 * Where each demo person's Teams client is, and what it says about itself. Teams sends the zone, the
 * local time with its offset, the locale and a `clientInfo` entity with every message in a personal
 * chat (Microsoft Teams platform docs, "Messages in bot conversations", the received message example;
 * Bot Framework Activity schema: `localTimezone`, `localTimestamp`, `locale`), so the bench sends them too.
 */
const CLIENTS: readonly { timeZone: string; locale: string; country: string; platform: string }[] = [
  { timeZone: 'Europe/London', locale: 'en-GB', country: 'GB', platform: 'Windows' },
  { timeZone: 'America/New_York', locale: 'en-US', country: 'US', platform: 'Mac' },
  { timeZone: 'Europe/Berlin', locale: 'de-DE', country: 'DE', platform: 'Web' },
  { timeZone: 'Australia/Sydney', locale: 'en-AU', country: 'AU', platform: 'iOS' },
  { timeZone: 'Asia/Singapore', locale: 'en-SG', country: 'SG', platform: 'Android' },
];

/** "+01:00" for a zone at this moment (fixed over a run of a few minutes). */
function utcOffset(timeZone: string, at: Date): { ms: number; text: string } {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')!.value; // "GMT+01:00", or "GMT" at UTC
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return { ms: 0, text: '+00:00' };
  const ms = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000;
  return { ms, text: `${match[1]}${match[2]}:${match[3]}` };
}

const clientOf = new Map(
  PEOPLE_LIST.map((person, i) => {
    const client = CLIENTS[i % CLIENTS.length]!;
    return [person.key, { ...client, offset: utcOffset(client.timeZone, new Date()) }] as const;
  }),
);

function activity(bot: BotProcess, person: DemoPerson, conversationId: string, text: string) {
  const client = clientOf.get(person.key)!;
  const now = new Date();
  return {
    type: 'message',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: bot.channel.url,
    timestamp: now.toISOString(),
    localTimestamp: new Date(now.getTime() + client.offset.ms).toISOString().replace('Z', client.offset.text),
    localTimezone: client.timeZone,
    locale: client.locale,
    textFormat: 'plain',
    from: { id: `29:${person.key}`, name: person.name, aadObjectId: person.aadObjectId },
    recipient: { id: `28:${bot.botId}`, name: 'Cloud Sync' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: person.tenantId },
    entities: [
      {
        type: 'clientInfo',
        locale: client.locale,
        country: client.country,
        platform: client.platform,
        timezone: client.timeZone,
      },
    ],
    channelData: { tenant: { id: person.tenantId } },
    text,
  };
}

export async function runBot(options: BotOptions): Promise<BotResult> {
  const bot = await startBotProcess({ cpuProfileDir: options.cpuProfileDir, logLevel: LOG_LEVEL });
  try {
    // One token for the run, as the channel reuses its token: minting one per turn would time the emulator.
    const authorization = `Bearer ${await bot.channelToken(3600)}`;
    // Warm-up: key discovery, the outgoing token and JIT compilation are not what a turn costs.
    for (let turn = 0; turn < options.warmUpTurns; turn += 1) {
      const p = PEOPLE_LIST[turn % PEOPLE_LIST.length]!;
      const command = COMMANDS[Math.floor(turn / PEOPLE_LIST.length) % COMMANDS.length]!;
      await bot.post(activity(bot, p, `a:warmup-${p.key}`, command), authorization);
    }

    const memory = rssSampler(bot.pid, 100);
    let failed = 0;
    const unloaded = await load(bot, authorization, { conversations: 1, turns: 100, commands: COMMANDS });
    const cpuBefore = cpuMs(bot.pid);
    const driverBefore = process.cpuUsage();
    bot.resetLoop();
    const saturated = await load(bot, authorization, {
      conversations: options.conversations,
      turns: options.turnsPerConversation,
      commands: COMMANDS,
    });
    const saturatedCpu = cpuMs(bot.pid) - cpuBefore;
    const driver = process.cpuUsage(driverBefore);
    const saturatedLoop = await bot.readLoop();
    const perCommand = { help: 0, status: 0 };
    for (const command of COMMANDS) {
      const before = cpuMs(bot.pid);
      const run = await load(bot, authorization, {
        conversations: 10,
        turns: Math.ceil(options.cpuTurns / 10),
        commands: [command],
      });
      perCommand[command] = (cpuMs(bot.pid) - before) / run.latencies.length;
      failed += run.failed;
    }

    bot.resetLoop();
    const paced = await load(bot, authorization, {
      conversations: options.conversations,
      turns: options.turnsPerConversation,
      commands: COMMANDS,
      think: { minMs: options.minThinkMs, maxMs: options.maxThinkMs },
    });
    const pacedLoop = await bot.readLoop();
    const peakRss = memory.stop().peakMb;
    const connections = bot.connections();
    failed += unloaded.failed + saturated.failed + paced.failed;

    const latencies = saturated.latencies;
    return {
      conversations: options.conversations,
      turns: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      turnsPerSecond: round(latencies.length / saturated.seconds),
      botCoresBusy: round(saturatedCpu / 1000 / saturated.seconds, 2),
      driverCoresBusy: round((driver.user + driver.system) / 1e6 / saturated.seconds, 2),
      failedTurns: failed,
      cpuMsPerTurn: {
        help: round(perCommand.help, 2),
        status: round(perCommand.status, 2),
        saturated: round(saturatedCpu / latencies.length, 2),
      },
      paced: {
        minThinkMs: options.minThinkMs,
        maxThinkMs: options.maxThinkMs,
        turns: paced.latencies.length,
        turnsPerSecond: round(paced.latencies.length / paced.seconds),
        p50Ms: round(percentile(paced.latencies, 50)),
        p95Ms: round(percentile(paced.latencies, 95)),
        p99Ms: round(percentile(paced.latencies, 99)),
        maxMs: round(Math.max(...paced.latencies)),
      },
      eventLoop: { saturated: saturatedLoop, paced: pacedLoop },
      unloadedP50Ms: round(percentile(unloaded.latencies, 50)),
      unloadedP99Ms: round(percentile(unloaded.latencies, 99)),
      connections,
      rssMb: round(peakRss),
      settings: {
        store: 'sqlite',
        commands: [...COMMANDS],
        logLevel: LOG_LEVEL,
        warmUpTurns: options.warmUpTurns,
        botProcess:
          'bot/main.ts with RUN_WORKER_IN_SERVER=false; the emulator and the channel service in the driver process',
      },
    };
  } finally {
    await bot.close();
  }
}

interface Load {
  latencies: number[];
  failed: number;
  seconds: number;
}

/**
 * Every conversation at once, each sending its turns in order (the commands in turn); with `think`,
 * each turn waits a person's pause first, so the conversations also start spread out.
 */
async function load(
  bot: BotProcess,
  authorization: string,
  shape: {
    conversations: number;
    turns: number;
    commands: readonly string[];
    think?: { minMs: number; maxMs: number };
  },
): Promise<Load> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const think = shape.think;
  await Promise.all(
    Array.from({ length: shape.conversations }, async (_, c) => {
      const person = PEOPLE_LIST[c % PEOPLE_LIST.length]!;
      const conversationId = `a:bench-${randomUUID()}`;
      for (let t = 0; t < shape.turns; t += 1) {
        if (think) {
          const pause = think.minMs + Math.random() * (think.maxMs - think.minMs);
          await new Promise((resolve) => setTimeout(resolve, pause));
        }
        const sent = performance.now();
        const status = await bot.post(
          activity(bot, person, conversationId, shape.commands[t % shape.commands.length]!),
          authorization,
        );
        latencies.push(performance.now() - sent);
        if (status !== 200) failed += 1;
      }
    }),
  );
  return { latencies, failed, seconds: (performance.now() - started) / 1000 };
}
