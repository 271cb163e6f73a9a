/**
 * `npm start` (after `npm run build:tab`): the whole local stack on embedded defaults — the Microsoft 365 emulator (unless a real
 * tenant is configured), the server (bot, tab, API, sync worker) with the demo CRM loaded, and the
 * Agents Playground — then prints where to click. Ctrl+C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadConfig } from '../bot/config/env-files.js';
import { ConfigError } from '../bot/config/config.js';

interface Service {
  name: string;
  child: ChildProcess;
}

const services: Service[] = [];
let stopping = false;

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Service {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  const service = { name, child };
  services.push(service);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} stopped (${signal ?? `exit ${code}`}); stopping the stack.`);
      void stopAll(1);
    }
  });
  return service;
}

/** Runs a TypeScript entry point with the same Node.js and tsx as this script. */
function runTs(name: string, entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Service {
  return run(name, process.execPath, ['--import', 'tsx', entry, ...args], env);
}

function waitForLine(service: Service, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${service.name} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const rl = createInterface({ input: service.child.stdout! });
    rl.on('line', (line) => {
      if (pattern.test(line)) {
        clearTimeout(timer);
        rl.close();
        resolve();
      }
    });
    service.child.once('exit', () => reject(new Error(`${service.name} exited during start-up`)));
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})`);
}

function runToCompletion(name: string, entry: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (exit ${code})`))));
  });
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    services.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
          s.child.once('exit', () => resolve());
          s.child.kill('SIGTERM');
          setTimeout(() => s.child.kill('SIGKILL'), 8000).unref();
        }),
    ),
  );
  process.exit(code);
}

async function main(): Promise<void> {
  let config;
  try {
    // Generates the vault key into env/.env.local.user on a first local run.
    config = loadConfig({ generateLocalKey: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  if (config.USE_EMULATOR) {
    const emulator = runTs('emulator', 'emulator/main.ts');
    await waitForLine(emulator, /Microsoft 365 emulator listening on https:\/\/localhost:\d+/, 60_000);
  }

  await runToCompletion('crm import', 'bot/crm/import-cli.ts', [config.CRM_SEED]);

  runTs('server', 'bot/main.ts');
  await waitForHttp(`http://localhost:${config.PORT}/healthz`, 60_000);

  const playgrounds: string[] = [];
  if (config.START_PLAYGROUND) {
    const bin = 'node_modules/@microsoft/m365agentsplayground/cli.js';
    const endpoint = `http://localhost:${config.PORT}/api/messages`;
    const instances = [
      { name: 'playground:contoso', port: config.PLAYGROUND_PORT, file: '.m365agentsplayground.yml' },
      { name: 'playground:fabrikam', port: config.PLAYGROUND_PORT + 1, file: 'playground/fabrikam.yml' },
    ];
    for (const p of instances) {
      // The playground opens no browser with this setting, and needs no network with telemetry off.
      run(
        p.name,
        process.execPath,
        [bin, 'start', '-e', endpoint, '-c', 'msteams', '-p', String(p.port), '--disable-telemetry'],
        { TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_CONFIG_PATH: p.file },
      );
      await waitForHttp(`http://localhost:${p.port}/`, 60_000);
      playgrounds.push(`  ${p.name.padEnd(22)} http://localhost:${p.port}/`);
    }
  }

  const lines = [
    '',
    'Cloud Sync for Teams is running. Where to click:',
    ...playgrounds,
    `  sync health tab        ${config.PUBLIC_URL}/tab/`,
    `  health check           ${config.PUBLIC_URL}/healthz`,
    ...(config.USE_EMULATOR
      ? [`  Microsoft 365 emulator https://localhost:${config.EMULATOR_PORT}/_emulator/`]
      : []),
    '',
    'Demo users sign in on the emulator with password "demo" (see README: "Walk through the demo").',
    'Press Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
