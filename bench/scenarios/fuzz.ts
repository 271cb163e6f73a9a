import { DEMO } from '../../test/support/emulator-msal.js';
import { startBotStack } from '../../test/teams/support/bot-stack.js';
import { fuzzBotActivities } from '../fuzz/bot-activities.js';
import { fuzzCardActions } from '../fuzz/card-actions.js';
import { fuzzGraphResponses } from '../fuzz/graph-responses.js';
import { fuzzNotifications, NOTIFICATION_SECRET } from '../fuzz/notifications.js';
import { startTabSurface, fuzzTabApi } from '../fuzz/tab-api.js';
import { sum, type FuzzTally } from '../fuzz/tally.js';
import { startBenchEnv } from '../support/bench-env.js';
import { capturingConsole } from '../support/console-capture.js';
import { findSecrets } from '../support/secrets.js';

/**
 * Generated bad input (fast-check) against every surface that takes input from outside: /api/messages
 * activities, card action payloads, tab API bodies, Graph notification posts and Graph (emulator)
 * responses. The sync, notification and tab components log into one buffer, and what the bot's
 * libraries print on the console is collected too; both are searched for secrets at the end (the bot
 * stack of the bot tests gives the bot a silent logger, so the bot's own log lines are not searched).
 */

export interface FuzzOptions {
  cases: number;
  seed: number;
}

export interface FuzzResult {
  cases: number;
  crashes: number;
  unexpectedStateChanges: number;
  secretsInLogs: number;
  byTarget: Record<string, Omit<FuzzTally, 'examples'>>;
  examples: string[];
  notMeasuredTargets: Record<string, string>;
  settings: { seed: number };
}

export async function runFuzz(options: FuzzOptions, extra: Record<string, string> = {}): Promise<FuzzResult> {
  const env = await startBenchEnv('sqlite');
  const per = Math.ceil(options.cases / 5);
  const tallies: Record<string, FuzzTally> = {};
  let consoleText = '';
  try {
    tallies.cardActions = await fuzzCardActions(per, options.seed);
    tallies.notifications = await fuzzNotifications(env.store, env.logger, per, options.seed + 1);
    tallies.graphResponses = await fuzzGraphResponses(env.store, env.logger, per, options.seed + 2);
    const tab = await startTabSurface(env.emu, env.logger);
    try {
      tallies.tabApi = await fuzzTabApi(tab, per, options.seed + 3);
    } finally {
      await tab.close();
    }
    const bot = await startBotStack();
    try {
      const captured = await capturingConsole(() => fuzzBotActivities(bot, per, options.seed + 4));
      tallies.botActivities = captured.value;
      consoleText = captured.text;
    } finally {
      await bot.close();
    }
  } finally {
    await env.close();
  }
  const total = sum(Object.values(tallies));
  const secrets = findSecrets(`${env.logText()}\n${consoleText}`, [
    DEMO.clientSecret,
    env.cipherKey,
    NOTIFICATION_SECRET,
    'fuzz-access-token',
  ]);
  return {
    cases: total.cases,
    crashes: total.crashes,
    unexpectedStateChanges: total.unexpectedStateChanges,
    secretsInLogs: secrets.count,
    byTarget: Object.fromEntries(
      Object.entries(tallies).map(([k, t]) => [
        k,
        {
          cases: t.cases,
          crashes: t.crashes,
          unexpectedStateChanges: t.unexpectedStateChanges,
          outcomes: t.outcomes,
        },
      ]),
    ),
    examples: [...total.examples, ...secrets.examples],
    notMeasuredTargets: extra,
    settings: { seed: options.seed },
  };
}
