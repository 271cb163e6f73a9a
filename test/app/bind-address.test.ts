import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../bot/config/config.js';
import { createLogger } from '../../bot/logging/logger.js';
import { composeServer } from '../../bot/app/compose-server.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { listeningAddresses, onlyLoopback } from '../support/listening.js';
import { CONTOSO_CONFIG, startPlayground } from '../support/playground.js';

/**
 * Without BOT_ID, /api/messages takes activities without a channel token, so the
 * server must not be reachable from another machine (a TCP forwarder adds no proxy header); nor must
 * the Agents Playgrounds that `npm start` runs (they act as any demo user).
 */
describe('who can reach the server and the playgrounds', function () {
  this.timeout(120_000);
  let emulator: TestEmulator;
  let dir: string;

  before(async () => {
    emulator = await startTestEmulator();
    dir = mkdtempSync(path.join(os.tmpdir(), 'bind-'));
    writeFileSync(path.join(dir, 'ca.pem'), emulator.caPem);
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function boundAddresses(env: Record<string, string>): Promise<string[]> {
    const config = parseConfig({
      M365_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      EMULATOR_CA_CERT: path.join(dir, 'ca.pem'),
      DATA_DIR: dir,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      RUN_WORKER_IN_SERVER: 'false',
      ...env,
    });
    const running = await composeServer({ ...config, PORT: 0 }, createLogger({ level: 'silent' }));
    try {
      return listeningAddresses(running.port);
    } finally {
      await running.shutdown();
    }
  }

  it('listens on loopback only when the bot is unauthenticated (no BOT_ID)', async () => {
    const addresses = await boundAddresses({});
    assert.ok(onlyLoopback(addresses), `listening on ${addresses.join(', ')}`);
  });

  it('listens on every interface when channel tokens are checked (BOT_ID set)', async () => {
    const addresses = await boundAddresses({
      BOT_ID: '0b5a1e3c-3333-4a2b-9c3d-444444444444',
      BOT_PASSWORD: 'p',
    });
    assert.ok(
      addresses.some((a) => a === '0.0.0.0' || a === '::'),
      `listening on ${addresses.join(', ')}`,
    );
  });

  it('starts the Agents Playground (as npm start does) on loopback only', async () => {
    const playground = await startPlayground({
      botEndpoint: 'http://localhost:9/api/messages',
      configFile: CONTOSO_CONFIG,
    });
    try {
      const addresses = listeningAddresses(playground.port);
      assert.ok(onlyLoopback(addresses), `listening on ${addresses.join(', ')}`);
    } finally {
      await playground.close();
    }
  });
});
