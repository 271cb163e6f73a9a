import assert from 'node:assert/strict';
import { startSyncEnv, type SyncEnv } from './sync/support/sync-env.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from './sync/support/worker-process.js';
import { freePort } from './support/free-port.js';

/** Polls until the worker answers on its health port, or fails with what the process printed. */
async function waitForHealth(worker: WorkerProcess, url: string): Promise<Response> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
    try {
      return await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no answer on ${url}:\n${worker.output()}`);
}

describe('npm run worker (bot/worker-main.ts)', function () {
  let env: SyncEnv;
  const workers: WorkerProcess[] = [];

  before(async function () {
    env = await startSyncEnv('sqlite');
  });
  after(async function () {
    await killAll(workers);
    await env?.close();
  });

  it('answers /healthz on WORKER_HEALTH_PORT and exits cleanly on SIGTERM', async function () {
    const port = await freePort();
    const worker = spawnWorker(workerEnvironment(env, { WORKER_HEALTH_PORT: String(port) }));
    workers.push(worker);
    const res = await waitForHealth(worker, `http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.store?.ok, true);

    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    assert.equal(exit.code, 0, worker.output());
  });

  it('refuses a health port that is not a port number, naming the variable', async function () {
    const worker = spawnWorker(workerEnvironment(env, { WORKER_HEALTH_PORT: 'eighty' }));
    workers.push(worker);
    const exit = await worker.exited;
    assert.equal(exit.code, 1);
    assert.match(worker.output(), /WORKER_HEALTH_PORT must be a TCP port number/);
  });
});
