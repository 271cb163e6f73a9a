import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../bot/config/config.js';
import { createLogger } from '../../bot/logging/logger.js';
import { composeServer, type RunningServer } from '../../bot/app/compose-server.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

/** The whole server as `npm start` composes it, against a live emulator, on SQLite. */
describe('composeServer', function () {
  let emulator: TestEmulator;
  let dir: string;
  let running: RunningServer | undefined;
  let emulatorOpen = false;
  let base: string;

  before(async function () {
    emulator = await startTestEmulator();
    emulatorOpen = true;
    dir = mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const caPath = path.join(dir, 'ca.pem');
    writeFileSync(caPath, emulator.caPem);
    const config = parseConfig({
      USE_EMULATOR: 'true',
      M365_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      EMULATOR_CA_CERT: caPath,
      DATA_DIR: dir,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    });
    running = await composeServer({ ...config, PORT: 0 }, createLogger({ level: 'silent' }));
    base = `http://127.0.0.1:${running.port}`;
  });

  after(async function () {
    await running?.shutdown();
    if (emulatorOpen) await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the store and the emulator healthy', async function () {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.checks).sort(), ['emulator', 'store']);
  });

  it('runs the sync worker in process and answers Graph’s subscription validation handshake', async function () {
    assert.ok(running?.worker, 'RUN_WORKER_IN_SERVER defaults to true');
    const res = await fetch(`${base}/api/notifications?validationToken=abc%20123`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'abc 123');
  });

  it('mounts the tab API, which refuses a request without a token', async function () {
    const res = await fetch(`${base}/api/me`);
    assert.equal(res.status, 401);
  });

  it('reports the emulator failing once it stops answering', async function () {
    await emulator.close();
    emulatorOpen = false;
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
    assert.equal(body.checks.emulator?.ok, false);
    assert.equal(body.checks.store?.ok, true);
  });
});
