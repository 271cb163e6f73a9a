/**
 * `npm run bench`: the performance figures of the issue "Benchmarks and reliability suite", measured
 * against the local emulator with its Graph latency model, written to bench/results/latest.json and
 * printed as a table. Sizes come from the environment (see bench/README.md); defaults are the issue's.
 */
import type { BotOptions, BotResult } from './scenarios/bot.js';
import { runBusyMailbox } from './scenarios/busy-mailbox.js';
import { runCrmFreshness } from './scenarios/crm-freshness.js';
import { runFreshness } from './scenarios/freshness.js';
import { runFreshnessLoad } from './scenarios/freshness-load.js';
import { runInitialSync } from './scenarios/initial-sync.js';
import { runScale } from './scenarios/scale.js';
import { runScaleOut } from './scenarios/scale-out.js';
import { stopPostgres } from './support/bench-env.js';
import { machine } from './support/machine.js';
import { option, selected } from './support/options.js';
import { resultsToWrite } from './support/merge-results.js';
import { refuseUnsupportedRuntime } from './support/runtime.js';
import { table, writeResults } from './support/report.js';
import { section } from './support/sections.js';
import { targetLines, targets } from './support/targets.js';
import { runEntry } from './support/worker-runs.js';

const SECTIONS = [
  'initialSync',
  'busyMailbox',
  'freshness',
  'freshnessUnderLoad',
  'crmFreshness',
  'scale',
  'scaleOut',
  'bot',
] as const;

async function main(): Promise<void> {
  refuseUnsupportedRuntime();
  const started = performance.now();
  const results: Record<string, unknown> = { machine: machine(), startedAt: new Date().toISOString() };
  const messages = option('BENCH_MESSAGES', 50_000, 200_000);
  const events = option('BENCH_EVENTS', 5_000, 10_000);
  const pageSize = option('BENCH_PAGE_SIZE', 1000, 1000);
  try {
    const withLatency = await section('initialSync (latency on)', selected('initialSync'), () =>
      runInitialSync({ messages, events, latency: true, pageSize }),
    );
    const withoutLatency = await section('initialSync (latency off)', selected('initialSync'), () =>
      runInitialSync({
        messages,
        events,
        latency: false,
        pageSize,
        profile: true,
        ...(process.env.BENCH_WORKER_PROFILE_DIR ? { profileDir: process.env.BENCH_WORKER_PROFILE_DIR } : {}),
      }),
    );
    if (withLatency) results.initialSync = { ...withLatency, withoutLatency };
    results.busyMailbox = await section('busyMailbox', selected('busyMailbox'), () =>
      runBusyMailbox({
        inWindow: option('BENCH_BUSY_IN_WINDOW', 50_000, 100_000),
        older: option('BENCH_BUSY_OLDER', 200_000, 250_000),
      }),
    );
    results.freshness = await section('freshness', selected('freshness'), () =>
      runFreshness({
        samples: option('BENCH_FRESHNESS_SAMPLES', 100, 1000),
        pollingAccounts: option('BENCH_POLLING_ACCOUNTS', 20, 200),
        pollIntervalSeconds: option('BENCH_POLL_INTERVAL_SECONDS', 30, 600),
      }),
    );
    results.freshnessUnderLoad = await section('freshnessUnderLoad', selected('freshnessUnderLoad'), () =>
      runFreshnessLoad({
        accounts: option('BENCH_LOAD_ACCOUNTS', 1000, 5000),
        messagesPerSecond: option('BENCH_LOAD_RATE', 100, 1000),
        seconds: option('BENCH_LOAD_SECONDS', 30, 300),
        maxMailboxes: option('BENCH_LOAD_MAX_MAILBOXES', 64, 1000),
      }),
    );
    results.crmFreshness = await section('crmFreshness', selected('crmFreshness'), () =>
      runCrmFreshness({ samples: option('BENCH_CRM_FRESHNESS_SAMPLES', 50, 500) }),
    );
    results.scale = await section('scale', selected('scale'), () =>
      runScale({
        accounts: option('BENCH_IDLE_ACCOUNTS', 10_000, 50_000),
        setupMailboxes: option('BENCH_SETUP_MAILBOXES', 64, 1000),
      }),
    );
    results.scaleOut = await section('scaleOut', selected('scaleOut'), () =>
      runScaleOut({
        accounts: option('BENCH_SCALEOUT_ACCOUNTS', 24, 200),
        messagesPerAccount: option('BENCH_SCALEOUT_MESSAGES', 1_000, 20_000),
        workers: [1, 2, 3],
        maxMailboxesPerWorker: option('BENCH_SCALEOUT_MAILBOXES', 1, 8),
        pageSize: option('BENCH_SCALEOUT_PAGE_SIZE', 100, 1000),
      }),
    );
    const botOptions: BotOptions = {
      conversations: option('BENCH_BOT_CONVERSATIONS', 100, 1000),
      turnsPerConversation: option('BENCH_BOT_TURNS', 10, 100),
      cpuTurns: option('BENCH_BOT_CPU_TURNS', 500, 10_000),
      warmUpTurns: option('BENCH_BOT_WARMUP_TURNS', 3000, 20_000),
      minThinkMs: option('BENCH_BOT_MIN_THINK_MS', 1000, 60_000),
      maxThinkMs: option('BENCH_BOT_MAX_THINK_MS', 5000, 60_000),
      ...(process.env.BENCH_BOT_PROFILE_DIR ? { cpuProfileDir: process.env.BENCH_BOT_PROFILE_DIR } : {}),
    };
    results.bot = await section('bot', selected('bot'), () =>
      runEntry<BotResult>('bench/support/bot-entry.ts', { BOT_OPTIONS: JSON.stringify(botOptions) }),
    );
  } finally {
    await stopPostgres();
  }
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  const name = process.env.BENCH_RESULTS_FILE ?? 'latest.json';
  const ran = SECTIONS.filter((s) => selected(s));
  // Targets are checked over what the file ends up holding, so a partial run's list covers every section.
  const { targets: _previousTargets, ...written } = resultsToWrite(name, results, ran, SECTIONS);
  const checks = targets(written);
  const file = await writeResults(name, { ...written, targets: checks });
  console.log(table(results));
  console.log(`\nTargets\n${targetLines(checks)}`);
  console.log(`\nwritten to ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
