/**
 * `npm start` (after `npm run build:tab`): the whole local stack on embedded defaults — the Microsoft 365
 * emulator (unless a real tenant is configured), the server (bot, tab, API, sync worker) with the demo
 * CRM loaded, and one Agents Playground per demo person — then prints where to click. Ctrl+C (or
 * SIGTERM) stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../bot/config/env-files.js';
import { ConfigError } from '../bot/config/config.js';
import { writeConfigForPerson } from './playground-config.js';
import { playgroundNodeArgs } from './playground-command.js';

/**
 * The demo people who get an Agents Playground of their own (docs/demo-identities.md): the playground
 * shows one signed-in person and cannot switch, and each case of the demo is someone else's.
 */
const PLAYGROUND_PEOPLE = [
  {
    tenantFile: '.m365agentsplayground.yml',
    upn: 'alice.smith@contoso.com',
    label: 'Alice (Contoso): happy path',
  },
  {
    tenantFile: '.m365agentsplayground.yml',
    upn: 'ben.jones@contoso.com',
    label: 'Ben (Contoso): no visibility',
  },
  {
    tenantFile: '.m365agentsplayground.yml',
    upn: 'carol.white@contoso.com',
    label: 'Carol (Contoso): e-mail mismatch',
  },
  {
    tenantFile: '.m365agentsplayground.yml',
    upn: 'dan.morgan@contoso.com',
    label: 'Dan (Contoso): CRM admin, IT',
  },
  {
    tenantFile: 'playground/fabrikam.yml',
    upn: 'erin.lee@fabrikam.com',
    label: 'Erin (Fabrikam): admin approval',
  },
  {
    tenantFile: 'playground/fabrikam.yml',
    upn: 'frank.ortiz@fabrikam.com',
    label: 'Frank (Fabrikam): IT, grants',
  },
];

interface Service {
  name: string;
  child: ChildProcess;
}

const services: Service[] = [];
let stopping = false;

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Service {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    let last = '';
    createInterface({ input: stream! }).on('line', (line) => {
      // The playground prints "Listening on N" twice when its output is not a terminal.
      if (line !== last) console.log(`[${name}] ${line}`);
      last = line;
    });
  }
  const service = { name, child };
  services.push(service);
  child.on('exit', (code, signal) => {
    // Ctrl+C reaches every process of the terminal's group at once: a child may stop before our own
    // SIGINT handler has run. Only an exit that is still unexplained a moment later stops the stack.
    setTimeout(() => {
      if (stopping) return;
      console.error(`[start] ${name} stopped (${signal ?? `exit ${code}`}); stopping the stack.`);
      void stopAll(1);
    }, 500).unref();
  });
  return service;
}

/** Runs a TypeScript entry point with the same Node.js and tsx as this script. */
function runTs(name: string, entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Service {
  return run(name, process.execPath, ['--import', 'tsx', entry, ...args], env);
}

/** Resolves with the first match of `pattern` in the service's output. */
function waitForLine(service: Service, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: service.child.stdout! });
    const onExit = () => finish(new Error(`${service.name} exited during start-up`));
    const timer = setTimeout(
      () => finish(new Error(`${service.name} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function finish(err: Error | undefined, match?: RegExpExecArray): void {
      clearTimeout(timer);
      rl.close();
      service.child.off('exit', onExit);
      if (err) reject(err);
      else resolve(match!);
    }
    rl.on('line', (line) => {
      const m = pattern.exec(line);
      if (m) finish(undefined, m);
    });
    service.child.once('exit', onExit);
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
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
  if (!stopping) {
    stopping = true;
    console.log('[start] stopping…');
  }
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

/** One Agents Playground for one demo person; resolves with its address once it answers. */
async function startPlayground(
  person: (typeof PLAYGROUND_PEOPLE)[number],
  port: number,
  endpoint: string,
  dataDir: string,
): Promise<string> {
  const configFile = writeConfigForPerson(person.tenantFile, person.upn, path.join(dataDir, 'playground'));
  const name = `playground:${person.upn.split('.')[0]}`;
  const service = run(
    name,
    process.execPath,
    playgroundNodeArgs(process.cwd(), { botEndpoint: endpoint, port }),
    // No browser of its own (it crashes where there is none), and no network with telemetry off.
    { TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_CONFIG_PATH: configFile },
  );
  // A taken port makes the playground choose another: its own line says which.
  const listening = await waitForLine(service, /Listening on (\d+)/, 60_000);
  const url = `http://localhost:${listening[1]}/`;
  await waitForHttp(url, 60_000);
  return url;
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
    const endpoint = `http://localhost:${config.PORT}/api/messages`;
    const urls = await Promise.all(
      PLAYGROUND_PEOPLE.map((person, i) =>
        startPlayground(person, config.PLAYGROUND_PORT + i, endpoint, config.DATA_DIR),
      ),
    );
    PLAYGROUND_PEOPLE.forEach((person, i) => playgrounds.push(`  ${person.label.padEnd(36)} ${urls[i]}`));
  }

  const lines = [
    '',
    'Cloud Sync for Teams is running. Where to click:',
    ...(playgrounds.length ? ['  Agents Playground, one per demo person:', ...playgrounds] : []),
    `  ${'sync health tab'.padEnd(36)} ${config.PUBLIC_URL}/tab/`,
    `  ${'health check'.padEnd(36)} ${config.PUBLIC_URL}/healthz`,
    ...(config.USE_EMULATOR
      ? [
          // The emulator has no home page; its user list shows who can sign in (and its certificate).
          `  ${'Microsoft 365 emulator (its users)'.padEnd(36)} https://localhost:${config.EMULATOR_PORT}/_emulator/users`,
        ]
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
