import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../support/emulator.js';
import type { SyncEnv } from './sync-env.js';

/**
 * `bot/worker-main.ts` as its own process (what `npm run worker` starts), configured through its
 * environment against a test's emulator and store, so tests can SIGKILL it at any moment.
 */

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote, for failure messages. */
  output(): string;
}

export function workerEnvironment(env: SyncEnv, extra: Record<string, string> = {}): Record<string, string> {
  const database = env.fixture.database.options;
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    // No env files: the test says everything.
    TEAMSFX_ENV: 'sync-worker-test',
    LOG_LEVEL: 'warn',
    ...(database.databaseUrl
      ? { DATABASE_URL: database.databaseUrl }
      : { SQLITE_PATH: database.sqlitePath! }),
    TOKEN_ENCRYPTION_KEY: env.cipherKey,
    USE_EMULATOR: 'true',
    EMULATOR_CA_CERT: path.join(env.emu.dataDir, 'emulator', 'ca.pem'),
    M365_AUTHORITY_HOST: env.emu.origin,
    GRAPH_BASE_URL: env.emu.origin,
    GRAPH_NOTIFICATIONS: 'false',
    POLL_INTERVAL_SECONDS: '600',
    SYNC_LEASE_SECONDS: '2',
    ...extra,
  };
}

/** `nodeArgs`: options for node itself that NODE_OPTIONS does not take (such as --cpu-prof). */
export function spawnWorker(
  environment: Record<string, string>,
  nodeArgs: readonly string[] = [],
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join('bot', 'worker-main.ts')],
    {
      cwd: REPO_ROOT,
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/** Kills (SIGKILL) whatever is still running, for after() hooks. */
export async function killAll(workers: readonly WorkerProcess[]): Promise<void> {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}
