import { randomUUID } from 'node:crypto';
import { PEOPLE, startBotStack, type BotStack, type DemoPerson } from '../../test/teams/support/bot-stack.js';
import { percentile, round } from '../support/report.js';

/**
 * Command turns through POST /api/messages with JWT validation on: the bot stack of the bot tests
 * (test/teams/support/bot-stack.ts: emulator with the Bot Framework channel keys, demo CRM, mountBot on
 * restify, a channel service receiving the replies). A turn is timed from the POST to its answer,
 * which comes after the bot has sent its reply card to the channel service. Three loads: one
 * conversation alone; many conversations at once each firing its next turn the moment the last one
 * is answered (saturation: the headline figures); and the same conversations pausing between turns
 * as people do (paced). Run in its own process (bot-entry.ts) so its memory is its own.
 */

export interface BotOptions {
  conversations: number;
  turnsPerConversation: number;
  /** Mean pause between a conversation's turns in the paced run (uniform 0..2×mean), like a person typing. */
  pacedThinkMs: number;
}

export interface BotResult {
  conversations: number;
  turns: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  turnsPerSecond: number;
  failedTurns: number;
  /**
   * The same conversations with a pause between turns (a person reading the answer and typing the
   * next command) instead of firing the next turn the moment the last one is answered.
   */
  paced: {
    thinkMs: number;
    turns: number;
    turnsPerSecond: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
  };
  /** One conversation alone, turn after turn: the cost of a turn without queueing behind others. */
  unloadedP50Ms: number;
  unloadedP99Ms: number;
  rssMb: number;
  settings: { store: string; commands: string[]; rssOf: string };
}

const PEOPLE_LIST: DemoPerson[] = Object.values(PEOPLE);
const COMMANDS = ['help', 'status'];

function activity(stack: BotStack, person: DemoPerson, conversationId: string, text: string) {
  return {
    type: 'message',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: stack.channel.url,
    timestamp: new Date().toISOString(),
    from: { id: `29:${person.key}`, name: person.name, aadObjectId: person.aadObjectId },
    recipient: { id: `28:${stack.botId}`, name: 'Cloud Sync' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: person.tenantId },
    channelData: { tenant: { id: person.tenantId } },
    text,
  };
}

export async function runBot(options: BotOptions): Promise<BotResult> {
  const stack = await startBotStack();
  try {
    // One token for the run, as the channel reuses its token: minting one per turn would time the emulator.
    const authorization = `Bearer ${await stack.channelToken({ lifetimeSeconds: 3600 })}`;
    // Warm-up: key discovery and first-use costs are not what a turn costs.
    for (const p of PEOPLE_LIST)
      await stack.post(activity(stack, p, `a:warmup-${p.key}`, 'help'), authorization);

    const unloaded: number[] = [];
    for (let t = 0; t < 100; t += 1) {
      const started = performance.now();
      await stack.post(
        activity(stack, PEOPLE.alice, 'a:bench-alone', COMMANDS[t % COMMANDS.length]!),
        authorization,
      );
      unloaded.push(performance.now() - started);
    }

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    let saturated: Load;
    let paced: Load;
    try {
      saturated = await load(stack, authorization, options, 0);
      paced = await load(stack, authorization, options, options.pacedThinkMs);
    } finally {
      clearInterval(sampler);
    }
    const latencies = saturated.latencies;
    const failed = saturated.failed + paced.failed;
    return {
      conversations: options.conversations,
      turns: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      turnsPerSecond: round(latencies.length / saturated.seconds),
      failedTurns: failed,
      paced: {
        thinkMs: options.pacedThinkMs,
        turns: paced.latencies.length,
        turnsPerSecond: round(paced.latencies.length / paced.seconds),
        p50Ms: round(percentile(paced.latencies, 50)),
        p95Ms: round(percentile(paced.latencies, 95)),
        p99Ms: round(percentile(paced.latencies, 99)),
      },
      unloadedP50Ms: round(percentile(unloaded, 50)),
      unloadedP99Ms: round(percentile(unloaded, 99)),
      rssMb: round(peakRss / 2 ** 20),
      settings: {
        store: 'sqlite',
        commands: COMMANDS,
        rssOf:
          'the bot process of this section: bot, emulator and channel recorder together (an upper bound for the bot)',
      },
    };
  } finally {
    await stack.close();
  }
}

interface Load {
  latencies: number[];
  failed: number;
  seconds: number;
}

/** Every conversation at once, each sending its turns in order with `thinkMs` (mean) between them. */
async function load(
  stack: BotStack,
  authorization: string,
  options: BotOptions,
  thinkMs: number,
): Promise<Load> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.conversations }, async (_, c) => {
      const person = PEOPLE_LIST[c % PEOPLE_LIST.length]!;
      const conversationId = `a:bench-${thinkMs}-${c}`;
      for (let t = 0; t < options.turnsPerConversation; t += 1) {
        if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * thinkMs));
        const sent = performance.now();
        const res = await stack.post(
          activity(stack, person, conversationId, COMMANDS[t % COMMANDS.length]!),
          authorization,
        );
        latencies.push(performance.now() - sent);
        if (res.status !== 200) failed += 1;
      }
    }),
  );
  return { latencies, failed, seconds: (performance.now() - started) / 1000 };
}
