import assert from 'node:assert/strict';
import { syncAccount, type AccountSyncDeps } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { DEMO } from '../support/emulator-msal.js';
import { retryAfterWitness } from '../support/retry-after-witness.js';
import { CONTOSO } from './support/accounts.js';
import { actualMail, expectedMail, mailDifferences, type MailRules } from './support/expectation.js';
import {
  clearMailImport,
  connectAccount,
  mailboxControl,
  startSyncEnv,
  testSettings,
  type SyncEnv,
} from './support/sync-env.js';
import { seedTenant, switchOff } from './support/accounts.js';

/**
 * Delta rounds under Graph's failure modes, against the emulator's injected faults: a sync state that
 * expires mid-round (410), outages (503) and throttling storms (429 with Retry-After). Each must end
 * with the CRM equal to the mailbox, with nothing duplicated, and no request sent before a
 * Retry-After had passed (judged where the worker hands requests to the network: a request the
 * emulator read just after a 429 may have crossed it, which only the client's side can tell).
 */

const OWNER = 'fault-test';
const alice = DEMO.alice;

interface RequestLog {
  requests: number;
  throttled: number;
  maxInFlight: number;
  value: { status: number; path: string }[];
}

describe('delta rounds under faults [sqlite]', function () {
  this.timeout(120_000);
  let env: SyncEnv;
  let accountId: string;
  const rules: MailRules = {
    folders: ['inbox', 'sentitems'],
    historyDays: 90,
    tenantDomains: [CONTOSO.domain],
    contacts: new Map(),
    fileWithoutContact: true,
    includePrivate: true,
  };

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedTenant(env.store);
    accountId = await connectAccount(env, alice);
    // Privacy filtering is covered elsewhere; here every generated message counts.
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
    await switchOff(env.store, [accountId], 'diary');
  });
  after(async function () {
    await env?.close();
  });

  beforeEach(async function () {
    await clearMailImport(env);
    await control('DELETE', '/faults');
    await control('DELETE', '/requests');
  });

  const control = mailboxControl(() => env, alice.id);

  async function generate(messages: number, seed: number): Promise<void> {
    await control('POST', '/generate', { messages, events: 0, seed, days: 60 });
  }

  async function requestLog(): Promise<RequestLog> {
    return (await (await control('GET', '/requests')).json()) as RequestLog;
  }

  function deps(pageSize: number, fetch = env.fetch): AccountSyncDeps {
    return {
      db: env.db,
      owner: OWNER,
      graphBaseUrl: env.emu.origin,
      fetch,
      limiter: new MailboxLimiter(4),
      tokens: env.tokens,
      settings: testSettings({ pageSize, fileWithoutContact: true, maxRetries: 10 }),
      subscriptions: null,
      logger: env.logger,
      now: Date.now,
      random: Math.random,
    };
  }

  async function syncOnce(pageSize: number, fetch = env.fetch) {
    assert.equal(
      await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() }),
      true,
    );
    return syncAccount(deps(pageSize, fetch), accountId, () => false);
  }

  async function assertCrmMatchesMailbox(): Promise<void> {
    const expected = expectedMail(env.emu, alice.id, rules);
    assert.deepEqual(mailDifferences(await actualMail(env.db, accountId), expected), []);
    const items = await env.db.selectFrom('mail_items').select('internet_message_id').execute();
    assert.equal(new Set(items.map((i) => i.internet_message_id)).size, items.length, 'no CRM e-mail twice');
    const owners = await env.db.selectFrom('mail_item_owners').select('graph_message_id').execute();
    assert.equal(owners.length, Object.keys(expected.filed).length, 'one owner link per message');
  }

  it('re-baselines cleanly when the sync state expires in the middle of an import (410)', async function () {
    await generate(60, 11);
    await control('PUT', '/faults', { syncStateGone: 2 });
    const result = await syncOnce(7);
    assert.equal(result.outcome, 'completed', JSON.stringify(result));
    const log = await requestLog();
    assert.equal(log.value.filter((r) => r.status === 410).length, 2, 'both folders met a 410 mid-round');
    await assertCrmMatchesMailbox();

    // Later changes still arrive through the new baseline's deltaLink.
    await control('POST', '/messages', {
      folder: 'inbox',
      subject: 'after resync',
      from: 'new.person@example.com',
      to: [alice.username],
    });
    await control('PUT', '/faults', { syncStateGone: 1 });
    assert.equal((await syncOnce(7)).outcome, 'completed');
    await assertCrmMatchesMailbox();
  });

  it('applies deletions and moves that happened just before a 410 once the re-baseline completes', async function () {
    await generate(40, 15);
    assert.equal((await syncOnce(7)).outcome, 'completed');
    const crmBefore = await env.db.selectFrom('mail_items').select('id').execute();
    const messages = env.emu.ctx.mailboxes.mailbox(alice.id).messages;
    const inbox = [...messages.all()].filter((r) => r.folder === 'inbox');
    assert.ok(inbox.length >= 3, 'the generated inbox has messages to change');
    const id = (i: number) => messages.immutableId(inbox[i]!.key);
    // Graph never reports these: the sync state is gone (410) before the next round asks.
    await control('DELETE', `/messages/${id(0)}`);
    await control('POST', `/messages/${id(1)}/move`, { folder: 'deleteditems' });
    await control('POST', `/messages/${id(2)}/move`, { folder: 'sentitems' });
    await control('PUT', '/faults', { syncStateGone: 2 });

    assert.equal((await syncOnce(7)).outcome, 'completed');
    assert.equal(
      (await requestLog()).value.filter((r) => r.status === 410).length,
      2,
      'both folders re-baselined',
    );
    const expected = expectedMail(env.emu, alice.id, rules);
    assert.deepEqual(mailDifferences(await actualMail(env.db, accountId), expected), []);
    assert.equal(
      (await env.db.selectFrom('mail_items').select('id').execute()).length,
      crmBefore.length,
      'the CRM is the record: detached, not deleted',
    );
  });

  it('rides out 503 outages with backoff and loses nothing', async function () {
    await generate(50, 12);
    await control('PUT', '/faults', { unavailableRate: 0.3, unavailableRetryAfterSeconds: 0, seed: 5 });
    const result = await syncOnce(5);
    assert.equal(result.outcome, 'completed', JSON.stringify(result));
    const log = await requestLog();
    assert.ok(
      log.value.some((r) => r.status === 503),
      'outages were injected',
    );
    await assertCrmMatchesMailbox();
  });

  it('honours every Retry-After in a 429 storm: no request comes early, the run records throttled time', async function () {
    await generate(40, 13);
    await control('PUT', '/faults', { throttleRate: 0.35, throttleRetryAfterSeconds: 1, seed: 9 });
    const { fetch, ledger } = retryAfterWitness(env.fetch);
    const result = await syncOnce(5, fetch);
    assert.equal(result.outcome, 'completed', JSON.stringify(result));
    const log = await requestLog();
    assert.ok(log.throttled >= 2, `the storm throttled requests (${log.throttled})`);
    assert.equal(ledger.waitsGiven, log.throttled, 'the worker received every 429');
    assert.deepEqual(ledger.breaches, [], 'a request was sent before its Retry-After had passed');
    assert.ok(log.maxInFlight <= 4);
    await assertCrmMatchesMailbox();
    const runs = await env.db.selectFrom('sync_runs').select(['throttled_ms', 'requests']).execute();
    const throttledMs = runs.reduce((a, r) => a + r.throttled_ms, 0);
    assert.ok(throttledMs >= 1000 * log.throttled * 0.9, `throttled time recorded (${throttledMs} ms)`);
    assert.equal(
      runs.reduce((a, r) => a + r.requests, 0),
      log.requests,
      'every request is counted in the runs',
    );
  });

  it('ends a run as throttled (not failed) when Graph keeps refusing, and schedules it after the Retry-After', async function () {
    await generate(5, 14);
    await control('PUT', '/faults', { throttleRate: 1, throttleRetryAfterSeconds: 1 });
    assert.equal(
      await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() }),
      true,
    );
    const settings = testSettings({ pageSize: 5, maxRetries: 1 });
    const { fetch, ledger } = retryAfterWitness(env.fetch);
    const result = await syncAccount({ ...deps(5, fetch), settings }, accountId, () => false);
    assert.equal(result.outcome, 'throttled');
    const run = await env.db.selectFrom('sync_runs').selectAll().executeTakeFirstOrThrow();
    assert.equal(run.status, 'throttled');
    const account = await env.db
      .selectFrom('sync_accounts')
      .select(['throttled_until', 'next_run_at', 'consecutive_failures'])
      .executeTakeFirstOrThrow();
    assert.ok(account.throttled_until !== null && Date.parse(account.throttled_until) > Date.now() - 1000);
    assert.ok(
      account.next_run_at !== null && account.next_run_at >= account.throttled_until!,
      'not due before Retry-After',
    );
    assert.equal(account.consecutive_failures, 0, 'throttling is not a failure');
    assert.ok(ledger.waitsGiven > 0);
    assert.deepEqual(ledger.breaches, []);
  });
});
