import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { EmulatorContext } from '../../emulator/context.js';
import type { ManagedIdentityEndpoint } from '../../emulator/app-service/managed-identity.js';
import { startEmulator, type StartEmulatorOptions } from '../../emulator/server.js';
import { ensureTlsMaterial } from '../../emulator/tls.js';

/**
 * Starts a Microsoft 365 emulator for a test: a random loopback port, a fresh temporary data dir and a
 * seed folder (the demo scenario by default). `close()` stops it and removes the data dir.
 */
export interface TestEmulator {
  origin: string;
  caPem: string;
  ctx: EmulatorContext;
  dataDir: string;
  /** App Service's token service, when the options assigned managed identities. */
  managedIdentity?: ManagedIdentityEndpoint;
  close(): Promise<void>;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_SEED = path.join(REPO_ROOT, 'emulator/seeds/demo');

export interface TestEmulatorOptions {
  seedDir?: string;
  logger?: Logger;
  /** Use this data dir (kept on close) instead of a fresh temporary one. */
  dataDir?: string;
  redirectUris?: StartEmulatorOptions['redirectUris'];
  appServiceIdentities?: StartEmulatorOptions['appServiceIdentities'];
}

export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'm365-emulator-'));
  if (ownDir) reuseTlsMaterial(dataDir);
  try {
    const emulator = await startEmulator({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      seedDir: options.seedDir ?? DEMO_SEED,
      logger: options.logger,
      redirectUris: options.redirectUris,
      appServiceIdentities: options.appServiceIdentities,
    });
    return {
      origin: emulator.origin,
      caPem: emulator.caPem,
      ctx: emulator.ctx,
      dataDir,
      managedIdentity: emulator.managedIdentity,
      close: async () => {
        await emulator.close();
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

let tlsCacheDir: string | undefined;

/** RSA key generation is slow in pure JS; one CA per test process is enough, copied into each data dir. */
function reuseTlsMaterial(dataDir: string): void {
  if (!tlsCacheDir) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-emulator-tls-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    ensureTlsMaterial(dir);
    tlsCacheDir = dir;
  }
  const from = path.join(tlsCacheDir, 'emulator');
  const to = path.join(dataDir, 'emulator');
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) copyFileSync(path.join(from, f), path.join(to, f));
}
