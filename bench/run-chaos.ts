/**
 * `npm run chaos`: the reliability figures (crashes, faults, fuzzing, forged tokens), written to
 * bench/results/reliability.json and printed as a table. Sizes come from the environment (see
 * bench/README.md); defaults are the issue's. A run of some sections only (`CHAOS_ONLY`) updates just
 * those sections of the file.
 */
import { runAuth } from './scenarios/auth.js';
import { runCrash } from './scenarios/crash.js';
import { runCrmWrites } from './scenarios/crm-writes.js';
import { runFaults } from './scenarios/faults.js';
import { runFuzz } from './scenarios/fuzz.js';
import { stopPostgres } from './support/bench-env.js';
import { machine } from './support/machine.js';
import { option, selected } from './support/options.js';
import { resultsToWrite } from './support/merge-results.js';
import { table, writeResults } from './support/report.js';
import { section } from './support/sections.js';

const SECTIONS = ['crash', 'faults', 'crmWrites', 'fuzz', 'auth'] as const;

async function main(): Promise<void> {
  const started = performance.now();
  const results: Record<string, unknown> = { machine: machine(), startedAt: new Date().toISOString() };
  const only = (name: string) => selected(name, 'CHAOS_ONLY');
  try {
    results.crash = await section('crash', only('crash'), () =>
      runCrash({
        kills: option('CHAOS_KILLS', 20, 200),
        messages: option('CHAOS_MESSAGES', 20_000, 200_000),
        events: option('CHAOS_EVENTS', 2_000, 10_000),
        pageSize: option('CHAOS_PAGE_SIZE', 100, 1000),
        dialect: process.env.CHAOS_STORE === 'postgres' ? 'postgres' : 'sqlite',
      }),
    );
    results.faults = await section('faults', only('faults'), () =>
      runFaults({
        messages: option('CHAOS_FAULT_MESSAGES', 10_000, 200_000),
        events: option('CHAOS_FAULT_EVENTS', 1_000, 10_000),
        throttleRate: 0.1,
        unavailableRate: 0.02,
        forced410: option('CHAOS_FORCED_410', 6, 100),
        liveChanges: option('CHAOS_LIVE_CHANGES', 60, 1000),
        deletions: process.env.CHAOS_DELETIONS !== 'false',
        pageSize: option('CHAOS_PAGE_SIZE', 100, 1000),
      }),
    );
    results.crmWrites = await section('crmWrites', only('crmWrites'), () =>
      runCrmWrites({
        appointments: option('CHAOS_CRM_APPOINTMENTS', 20, 1000),
        kills: option('CHAOS_CRM_KILLS', 5, 100),
        dialect: process.env.CHAOS_STORE === 'postgres' ? 'postgres' : 'sqlite',
        throttleRate: 0.3,
        unavailableRate: 0.2,
      }),
    );
    results.fuzz = await section('fuzz', only('fuzz'), () =>
      runFuzz({ cases: option('CHAOS_FUZZ_CASES', 10_000, 1_000_000), seed: option('CHAOS_SEED', 20261126) }),
    );
    results.auth = await section('auth', only('auth'), () => runAuth());
  } finally {
    await stopPostgres();
  }
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  const name = process.env.CHAOS_RESULTS_FILE ?? 'reliability.json';
  const ran = SECTIONS.filter((s) => only(s));
  const file = await writeResults(name, resultsToWrite(name, results, ran, SECTIONS));
  console.log(table(Object.fromEntries(Object.entries(results).filter(([, v]) => v !== undefined))));
  console.log(`\nwritten to ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
