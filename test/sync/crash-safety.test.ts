import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Recipient } from '@microsoft/microsoft-graph-types';
import { DEFAULT_WINDOW_SETTINGS, idealWindow } from '../../bot/sync/core/calendar-window.js';
import { DEMO } from '../support/emulator-msal.js';
import { CONTOSO, seedContact, seedTenant } from './support/accounts.js';
import {
  actualDiaryKeys,
  actualMail,
  expectedDiaryKeys,
  expectedMail,
  mailDifferences,
  type MailRules,
} from './support/expectation.js';
import { connectAccount, startSyncEnv, type SyncEnv } from './support/sync-env.js';
import { waitFor } from './support/wait.js';
import { killAll, spawnWorker, workerEnvironment, type WorkerProcess } from './support/worker-process.js';

/**
 * Exactly-once under crashes: a worker process (`bot/worker-main.ts`) importing a few thousand
 * generated messages and a calendar is SIGKILLed at random points of its progress, restarted, killed
 * again, and finally left to finish and shut down with SIGTERM. The CRM must then equal what the
 * mailbox says, item by item: nothing lost, nothing duplicated.
 */

const MESSAGES = 3000;
const EVENTS = 40;
const KILLS = 5;
const alice = DEMO.alice;

describe('crash safety of the worker process [sqlite]', function () {
  this.timeout(180_000);
  let env: SyncEnv;
  let accountId: string;
  const workers: WorkerProcess[] = [];
  let rules: MailRules;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedTenant(env.store);
    accountId = await connectAccount(env, alice);
    // Privacy filtering has its own tests; here every message counts, filed or skipped for no contact.
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
    const generated = await env.control('POST', `/mailboxes/${alice.id}/generate`, {
      messages: MESSAGES,
      events: EVENTS,
      seed: 7,
      days: 60,
    });
    assert.equal(generated.status, 200);
    // CRM contacts for some of the generated correspondents, so filing and linking are exercised.
    const addresses = new Set<string>();
    for (const record of env.emu.ctx.mailboxes.mailbox(alice.id).messages.all()) {
      const people = [record.fields.from, ...(record.fields.toRecipients ?? [])] as (Recipient | undefined)[];
      for (const p of people) {
        const a = p?.emailAddress?.address?.toLowerCase();
        if (a && !a.endsWith(`@${CONTOSO.domain}`)) addresses.add(a);
      }
    }
    const contacts = new Map<string, string>();
    for (const address of [...addresses].sort().slice(0, 40))
      contacts.set(address, await seedContact(env.store, CONTOSO.id, address, [address]));
    rules = {
      folders: ['inbox', 'sentitems'],
      historyDays: 90,
      tenantDomains: [CONTOSO.domain],
      contacts,
      includePrivate: true,
    };
    // Per-request latency spreads the import over enough time to be killed in the middle of it.
    const faults = await env.control('PUT', `/mailboxes/${alice.id}/faults`, { latencyMs: 60 });
    assert.equal(faults.status, 200);
  });

  after(async function () {
    await killAll(workers);
    await env?.close();
  });

  async function processed(): Promise<number> {
    const owners = await env.db
      .selectFrom('mail_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const skips = await env.db
      .selectFrom('sync_skips')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('resource', 'like', 'mail:%')
      .executeTakeFirstOrThrow();
    return Number(owners.n) + Number(skips.n);
  }

  async function importDone(): Promise<boolean> {
    const cursors = await env.db
      .selectFrom('sync_cursors')
      .select(['resource', 'round_complete'])
      .where('account_id', '=', accountId)
      .execute();
    return cursors.length === 3 && cursors.every((c) => c.round_complete === 1);
  }

  it('loses and duplicates nothing across repeated SIGKILLs during an import', async function () {
    const startedAt = Date.now();
    const environment = workerEnvironment(env, { SYNC_PAGE_SIZE: '100' });
    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      const before = await processed();
      // A random point of the remaining import, always short of its end.
      const target = before + 1 + Math.floor(Math.random() * (MESSAGES - before) * 0.3);
      const worker = spawnWorker(environment);
      workers.push(worker);
      await waitFor(
        async () => (await processed()) >= target || worker.child.exitCode !== null,
        60_000,
        `progress to ${target}`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
      });
      assert.equal(worker.child.exitCode, null, `the worker exited on its own:\n${worker.output()}`);
      worker.child.kill('SIGKILL');
      await worker.exited;
      killedAt.push(await processed());
    }
    assert.equal(await importDone(), false, 'every kill landed during the import');
    assert.ok(
      killedAt.every((n, i) => i === 0 || n >= killedAt[i - 1]!),
      `progress is never lost between kills: ${killedAt.join(', ')}`,
    );

    const last = spawnWorker(environment);
    workers.push(last);
    await waitFor(importDone, 90_000, 'the import to finish');
    last.child.kill('SIGTERM');
    const exit = await last.exited;
    assert.equal(exit.code, 0, `SIGTERM is a clean stop:\n${last.output()}`);
    assert.deepEqual(
      await env.db.selectFrom('job_leases').selectAll().execute(),
      [],
      'a clean stop releases its lease',
    );

    const expected = expectedMail(env.emu, alice.id, rules);
    const actual = await actualMail(env.db, accountId);
    assert.deepEqual(mailDifferences(actual, expected), []);
    const owners = await env.db.selectFrom('mail_item_owners').select('graph_message_id').execute();
    assert.equal(owners.length, Object.keys(expected.filed).length, 'one owner link per filed message');
    const skips = await env.db
      .selectFrom('sync_skips')
      .select('graph_id')
      .where('resource', 'like', 'mail:%')
      .execute();
    assert.equal(
      owners.length + skips.length,
      MESSAGES,
      'every message is either filed or skipped with a reason, once',
    );

    const known = new Set(rules.contacts.keys());
    // The worker keeps entries that slide out of its window, so it holds the window of its first diary
    // round: today's, or a later day's if midnight UTC passed while the workers ran.
    const day = 86_400_000;
    const candidates: string[][] = [];
    for (let d = Math.floor(startedAt / day); d <= Math.floor(Date.now() / day); d += 1) {
      const window = idealWindow(d * day, DEFAULT_WINDOW_SETTINGS);
      candidates.push(
        expectedDiaryKeys(env.emu, alice.id, window, (people) => people.some((p) => known.has(p))),
      );
    }
    const diary = await actualDiaryKeys(env.db, accountId);
    assert.deepEqual(diary, candidates.find((c) => isDeepStrictEqual(c, diary)) ?? candidates[0]);
  });
});
