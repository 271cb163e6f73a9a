import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { createStore } from '../../bot/store/store.js';
import { importDemoCrm } from '../../test/tab-api/fixtures/seed.js';
import { emulatorControl, registerTestBot } from '../../test/support/emulator-bot.js';
import { REPO_ROOT, startTestEmulator, type TestEmulator } from '../../test/support/emulator.js';
import type { LoopMessage, LoopWindow } from './bot-loop-monitor.js';
import { startChannelRecorder, type ChannelRecorder } from '../../test/teams/support/channel-recorder.js';
import { PEOPLE, type DemoPerson } from '../../test/teams/support/bot-stack.js';

/**
 * The bot in a process of its own, started as `npm run server` starts it (bot/main.ts, the production
 * composition root) with the sync worker elsewhere (RUN_WORKER_IN_SERVER=false). The emulator (Entra
 * and the Bot Framework channel keys) and the channel service that receives the replies stay in the
 * caller's process, so the bot process's CPU time is the bot's alone. The process's entry is
 * bot-main.ts: bot/main.ts behind the event-loop monitor the bench reads over the IPC channel.
 */

export interface BotProcessOptions {
  /** Write a V8 CPU profile of the bot process into this folder when it stops (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** The bot's LOG_LEVEL. */
  logLevel: string;
}

export interface BotProcess {
  pid: number;
  baseUrl: string;
  botId: string;
  emu: TestEmulator;
  channel: ChannelRecorder;
  /** A channel token as the Bot Framework would mint it for this bot. */
  channelToken(lifetimeSeconds: number): Promise<string>;
  post(activity: Record<string, unknown>, authorization: string): Promise<number>;
  /**
   * TCP connections opened so far: by the channel side to the bot (inbound activities) and by the bot
   * to the channel service (member look-ups and replies). Both sides keep them alive.
   */
  connections(): { toBot: number; toChannel: number };
  /** Opens a window of the bot's event-loop delay and GC pauses (bot-loop-monitor.ts)... */
  resetLoop(): void;
  /** ...and reads it. */
  readLoop(): Promise<LoopWindow>;
  /** Stops the bot with SIGTERM (a clean stop, so a CPU profile is written) and everything else. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the bot process exited with ${child.exitCode}: ${stderr()}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the bot process did not become healthy: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startBotProcess(options: BotProcessOptions): Promise<BotProcess> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const emu = await startTestEmulator();
    cleanups.push(() => emu.close());
    const control = emulatorControl(emu);
    const { botId, botPassword } = await registerTestBot(control);

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-bot-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const sqlitePath = path.join(dataDir, 'cloud-sync.db');
    const seeding = createStore({ sqlitePath });
    await seeding.migrate();
    await importDemoCrm(seeding);
    await seeding.close();
    const caFile = path.join(dataDir, 'emulator-ca.pem');
    await writeFile(caFile, emu.caPem);

    const channel = await startChannelRecorder();
    cleanups.push(() => channel.close());
    for (const p of Object.values(PEOPLE) as DemoPerson[]) {
      channel.roster.set(`29:${p.key}`, {
        id: `29:${p.key}`,
        name: p.name,
        aadObjectId: p.aadObjectId,
        email: p.teamsEmail ?? p.email,
        userPrincipalName: p.email,
      });
    }

    // The channel side's client to the bot: an HTTP/1.1 client that keeps its connections open, counted.
    const tcp = buildConnector({});
    let toBot = 0;
    const toBotAgent = new Agent({
      connect: (opts, callback) => {
        toBot += 1;
        return tcp(opts, callback);
      },
    });
    cleanups.push(() => toBotAgent.close());

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const profile = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
    const child = spawn(
      process.execPath,
      [...profile, '--import', 'tsx', path.join(REPO_ROOT, 'bench/support/bot-main.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          // No env/.env.<name> file has this name: the process gets exactly the settings below.
          TEAMSFX_ENV: 'bench-bot',
          NODE_ENV: 'test',
          LOG_LEVEL: options.logLevel,
          PORT: String(port),
          PUBLIC_URL: baseUrl,
          DATA_DIR: dataDir,
          SQLITE_PATH: sqlitePath,
          USE_EMULATOR: 'true',
          EMULATOR_CA_CERT: caFile,
          M365_AUTHORITY_HOST: emu.origin,
          GRAPH_BASE_URL: emu.origin,
          TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          BOT_ID: botId,
          BOT_PASSWORD: botPassword,
          BOT_OPENID_METADATA_URL: `${emu.origin}/botframework/v1/.well-known/openidconfiguration`,
          BOT_LOGIN_URL: `${emu.origin}/botframework.com`,
          RUN_WORKER_IN_SERVER: 'false',
        },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    await waitForHealth(`${baseUrl}/healthz`, child, () => stderr);

    return {
      pid: child.pid!,
      baseUrl,
      botId,
      emu,
      channel,
      channelToken: async (lifetimeSeconds) =>
        String(
          (
            await control('/_emulator/botframework/channel-token', {
              appId: botId,
              serviceUrl: channel.url,
              lifetimeSeconds,
            })
          ).token,
        ),
      post: async (activity, authorization) => {
        const res = await undiciFetch(`${baseUrl}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify(activity),
          dispatcher: toBotAgent,
        });
        await res.arrayBuffer();
        return res.status;
      },
      connections: () => ({ toBot, toChannel: channel.connections }),
      resetLoop: () => void child.send({ loopMonitor: 'reset' } satisfies LoopMessage),
      readLoop: () =>
        new Promise<LoopWindow>((resolve) => {
          child.once('message', (m) => resolve(m as LoopWindow));
          child.send({ loopMonitor: 'report' } satisfies LoopMessage);
        }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
