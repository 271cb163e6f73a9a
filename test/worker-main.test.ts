import assert from 'node:assert/strict';
import type { Recipient } from '@microsoft/microsoft-graph-types';
import { graphRuntime } from '../emulator/graph/runtime.js';
import { DEMO } from './support/emulator-msal.js';
import { CONTOSO, seedContact, seedTenant } from './sync/support/accounts.js';
import { actualMail, expectedMail, mailDifferences, type MailRules } from './sync/support/expectation.js';
import { connectAccount, startSyncEnv, type SyncEnv } from './sync/support/sync-env.js';
import { waitFor } from './sync/support/wait.js';
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

  it('on SIGTERM with a delta page in flight, commits that page whole or not at all, releases its lease and exits 0', async function () {
    this.timeout(120_000);
    const FOLDERS = ['inbox', 'sentitems'] as const;
    const PAGE = 50;
    const alice = DEMO.alice;
    await seedTenant(env.store);
    const accountId = await connectAccount(env, alice);
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
    const generated = await env.control('POST', `/mailboxes/${alice.id}/generate`, {
      messages: 600,
      events: 0,
      seed: 16,
      days: 30,
    });
    assert.equal(generated.status, 200);
    const records = [...env.emu.ctx.mailboxes.mailbox(alice.id).messages.all()];
    const addresses = new Set<string>();
    for (const record of records) {
      const people = [record.fields.from, ...(record.fields.toRecipients ?? [])] as (Recipient | undefined)[];
      for (const p of people) {
        const a = p?.emailAddress?.address?.toLowerCase();
        if (a && !a.endsWith(`@${CONTOSO.domain}`)) addresses.add(a);
      }
    }
    const contacts = new Map<string, string>();
    for (const address of [...addresses].sort().slice(0, 20))
      contacts.set(address, await seedContact(env.store, CONTOSO.id, address, [address]));
    // A slow mailbox (Graph answering each request late) keeps a page in flight long enough to signal.
    const faults = await env.control('PUT', `/mailboxes/${alice.id}/faults`, { latencyMs: 400 });
    assert.equal(faults.status, 200);

    /** Messages of a folder the CRM has handled: filed (an owner link) or skipped with a reason. */
    async function handled(folder: string): Promise<number> {
      const owners = await env.db
        .selectFrom('mail_item_owners')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where('folder', '=', folder)
        .executeTakeFirstOrThrow();
      const skips = await env.db
        .selectFrom('sync_skips')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('resource', '=', `mail:${folder}`)
        .executeTakeFirstOrThrow();
      return Number(owners.n) + Number(skips.n);
    }
    const total = (folder: string) => records.filter((r) => r.folder === folder).length;
    const throttle = graphRuntime(env.emu.ctx).throttle;
    const environment = workerEnvironment(env, {
      SYNC_PAGE_SIZE: String(PAGE),
      SHUTDOWN_TIMEOUT_MS: '60000',
      SYNC_LEASE_SECONDS: '30',
    });

    const worker = spawnWorker(environment);
    workers.push(worker);
    // Signal once a first page has landed and the next Graph request of the run is still unanswered.
    await waitFor(
      async () =>
        worker.child.exitCode !== null ||
        ((await handled('inbox')) + (await handled('sentitems')) > 0 &&
          throttle.counters(alice.id).inFlight > 0),
      60_000,
      'a delta page in flight',
    );
    assert.equal(worker.child.exitCode, null, `the worker exited on its own:\n${worker.output()}`);
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    assert.equal(exit.code, 0, `SIGTERM is a clean stop:\n${worker.output()}`);
    assert.deepEqual(
      await env.db.selectFrom('job_leases').selectAll().execute(),
      [],
      'the lease is released',
    );
    for (const folder of FOLDERS) {
      const n = await handled(folder);
      assert.ok(
        n % PAGE === 0 || n === total(folder),
        `${folder}: ${n} of ${total(folder)} handled, not a whole number of ${PAGE}-message pages`,
      );
    }
    assert.notDeepEqual(
      await Promise.all(FOLDERS.map((f) => handled(f))),
      FOLDERS.map(total),
      'the stop landed during the import',
    );

    // Resuming from the committed cursors finishes the import with every message handled exactly once.
    await env.control('DELETE', `/mailboxes/${alice.id}/faults`);
    const resumed = spawnWorker(environment);
    workers.push(resumed);
    await waitFor(
      async () =>
        resumed.child.exitCode !== null ||
        (await Promise.all(FOLDERS.map((f) => handled(f)))).every((n, i) => n >= total(FOLDERS[i]!)),
      60_000,
      'the import to finish',
    );
    resumed.child.kill('SIGTERM');
    assert.equal((await resumed.exited).code, 0, resumed.output());
    const rules: MailRules = {
      folders: FOLDERS,
      historyDays: 90,
      tenantDomains: [CONTOSO.domain],
      contacts,
      includePrivate: true,
    };
    assert.deepEqual(
      mailDifferences(await actualMail(env.db, accountId), expectedMail(env.emu, alice.id, rules)),
      [],
    );
    assert.deepEqual(
      await Promise.all(FOLDERS.map((f) => handled(f))),
      FOLDERS.map(total),
      'every message handled once, none twice',
    );
  });

  it('refuses a health port that is not a port number, naming the variable', async function () {
    const worker = spawnWorker(workerEnvironment(env, { WORKER_HEALTH_PORT: 'eighty' }));
    workers.push(worker);
    const exit = await worker.exited;
    assert.equal(exit.code, 1);
    assert.match(worker.output(), /WORKER_HEALTH_PORT must be a TCP port number/);
  });
});
