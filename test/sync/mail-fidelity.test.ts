import assert from 'node:assert/strict';
import { syncAccount, type AccountSyncDeps } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { DEMO } from '../support/emulator-msal.js';
import { CONTOSO, seedTenant, switchOff } from './support/accounts.js';
import { actualMail, expectedMail, mailDifferences, type MailRules } from './support/expectation.js';
import {
  clearMailImport,
  connectAccount,
  mailboxControl,
  startSyncEnv,
  testSettings,
  type SyncEnv,
} from './support/sync-env.js';

/**
 * The mail import against Graph as Microsoft documents it and as tenants report it: a filtered
 * messages delta stops at 5,000 messages, an expired sync state may come as any 40X with
 * syncStateNotFound, and the sensitivity $expand may be refused or dropped on delta. The CRM must
 * still hold every message of the history window, nothing private, and no link detached from mail
 * that is still in the mailbox. Expected results come from the emulator's records and the filing
 * rules written out in support/expectation.ts.
 */

const OWNER = 'mail-fidelity-test';
const alice = DEMO.alice;

interface RequestLog {
  value: { status: number; path: string; method: string }[];
}

describe('mail import against documented Graph limits [sqlite]', function () {
  this.timeout(180_000);
  let env: SyncEnv;
  let accountId: string;
  const rules: MailRules = {
    folders: ['inbox', 'sentitems'],
    historyDays: 90,
    tenantDomains: [CONTOSO.domain],
    contacts: new Map(),
    fileWithoutContact: true,
    includePrivate: false,
  };

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedTenant(env.store);
    accountId = await connectAccount(env, alice);
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'exclude' }).execute();
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

  async function requestLog(): Promise<RequestLog> {
    return (await (await control('GET', '/requests')).json()) as RequestLog;
  }

  function deps(): AccountSyncDeps {
    return {
      db: env.db,
      owner: OWNER,
      graphBaseUrl: env.emu.origin,
      fetch: env.fetch,
      limiter: new MailboxLimiter(4),
      tokens: env.tokens,
      settings: testSettings({ pageSize: 1000, fileWithoutContact: true, maxRetries: 10 }),
      subscriptions: null,
      logger: env.logger,
      now: Date.now,
      random: Math.random,
    };
  }

  async function syncOnce() {
    assert.equal(
      await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() }),
      true,
    );
    const result = await syncAccount(deps(), accountId, () => false);
    assert.equal(result.outcome, 'completed', JSON.stringify(result));
    return result;
  }

  async function assertCrmMatchesMailbox(): Promise<void> {
    const expected = expectedMail(env.emu, alice.id, rules);
    assert.deepEqual(mailDifferences(await actualMail(env.db, accountId), expected), []);
  }

  async function detachedLinks(): Promise<number> {
    const rows = await env.db
      .selectFrom('mail_item_owners')
      .select('graph_message_id')
      .where('account_id', '=', accountId)
      .where('left_at', 'is not', null)
      .execute();
    return rows.length;
  }

  it('imports every message of the history window when a folder holds over 5,000 of them and older mail besides', async function () {
    await control('POST', '/generate', { messages: 12_000, events: 0, seed: 21, days: 150 });
    const mailbox = env.emu.ctx.mailboxes.mailbox(alice.id);
    const since = Date.now() - rules.historyDays * 86_400_000;
    const inbox = [...mailbox.messages.all()].filter((r) => r.folder === 'inbox');
    const inWindow = inbox.filter((r) => Date.parse(r.fields.receivedDateTime!) >= since).length;
    assert.ok(inWindow > 5000, `the inbox has ${inWindow} messages in the window`);
    assert.ok(inbox.length > inWindow, 'and older ones');

    await syncOnce();
    await assertCrmMatchesMailbox();
    const filed = Object.keys(expectedMail(env.emu, alice.id, rules).filed).length;
    assert.ok(filed > 5000, `${filed} messages filed`);
    const skips = await env.db.selectFrom('sync_skips').select('reason').execute();
    assert.ok(
      skips.every((s) => s.reason === 'private'),
      'older mail is passed over, not recorded as skipped',
    );

    // A sync state lost mid-way (410) re-baselines both folders; nothing still there is detached.
    await control('PUT', '/faults', { syncStateGone: 2 });
    await syncOnce();
    assert.equal((await requestLog()).value.filter((r) => r.status === 410).length, 2);
    await assertCrmMatchesMailbox();
    assert.equal(await detachedLinks(), 0, 'no owner link detached from mail still in the mailbox');
  });

  for (const status of [400, 404] as const) {
    it(`starts again when the sync state is gone with a ${status} syncStateNotFound, not only a 410`, async function () {
      await control('POST', '/generate', { messages: 120, events: 0, seed: 3, days: 60 });
      await syncOnce();
      await control('POST', '/messages', {
        folder: 'inbox',
        subject: 'after the state expired',
        from: 'new.person@example.com',
        to: [alice.username],
      });
      await control('PUT', '/faults', { syncStateGone: 2, syncStateGoneStatus: status });
      await syncOnce();
      assert.equal((await requestLog()).value.filter((r) => r.status === status).length, 2);
      await assertCrmMatchesMailbox();
      assert.equal(await detachedLinks(), 0);
    });
  }

  for (const answer of ['refused', 'dropped'] as const) {
    it(`files no private mail when Graph ${answer} the sensitivity $expand on delta, and still files the rest`, async function () {
      await control('POST', '/generate', { messages: 300, events: 0, seed: 9, days: 60 });
      for (const sensitivity of ['private', 'confidential', 'normal', 'personal'] as const) {
        await control('POST', '/messages', {
          folder: 'inbox',
          subject: `marked ${sensitivity}`,
          from: 'priya.patel@example.com',
          to: [alice.username],
          sensitivity,
        });
      }
      await control('PUT', '/faults', { deltaExpand: answer });
      await syncOnce();
      await assertCrmMatchesMailbox();
      const subjects = (await env.db.selectFrom('mail_items').select('subject').execute()).map(
        (r) => r.subject,
      );
      assert.ok(subjects.includes('marked normal') && subjects.includes('marked personal'));
      assert.ok(!subjects.includes('marked private') && !subjects.includes('marked confidential'));
      const log = (await requestLog()).value;
      assert.ok(
        log.some((r) => r.method === 'GET' && r.path.includes('/messages/') && !r.path.includes('/delta')),
        'the sensitivity was read per message (GETs inside $batch)',
      );
      if (answer === 'refused')
        assert.ok(
          log.some((r) => r.status === 500),
          'Graph refused the $expand',
        );

      // A message marked private later is not filed from an update that arrives without the property.
      const normal = [...env.emu.ctx.mailboxes.mailbox(alice.id).messages.all()].find(
        (r) => r.fields.subject === 'marked normal',
      )!;
      const id = env.emu.ctx.mailboxes.mailbox(alice.id).messages.immutableId(normal.key);
      await control('POST', '/messages', {
        folder: 'inbox',
        subject: 'later private',
        from: 'priya.patel@example.com',
        to: [alice.username],
        sensitivity: 'private',
      });
      await control('PATCH', `/messages/${id}`, { subject: 'marked normal, edited' });
      await syncOnce();
      await assertCrmMatchesMailbox();
    });
  }

  it('re-baselines only the folder whose sync state is lost, and the other folder keeps syncing', async function () {
    await control('POST', '/generate', { messages: 120, events: 0, seed: 5, days: 60 });
    await syncOnce();
    await control('DELETE', '/requests');
    await control('POST', '/messages', {
      folder: 'sentitems',
      subject: 'sent while the inbox lost its state',
      from: alice.username,
      to: ['new.person@example.com'],
    });
    await control('PUT', '/faults', { syncStateGone: 1, syncStateGoneFolder: 'inbox' });
    await syncOnce();
    const log = (await requestLog()).value;
    const gone = log.filter((r) => r.status === 410);
    assert.equal(gone.length, 1);
    assert.match(gone[0]!.path, /inbox/i);
    await assertCrmMatchesMailbox();
    assert.equal(await detachedLinks(), 0);
  });

  it("a message moved into a recruiter's own 'Candidates' folder keeps its CRM e-mail, leaves the synced folders, and comes back when moved back", async function () {
    await control('POST', '/generate', { messages: 40, events: 0, seed: 8, days: 30 });
    await syncOnce();
    const mailbox = env.emu.ctx.mailboxes.mailbox(alice.id);
    const candidates = mailbox.folderId(mailbox.createFolder('Candidates'));
    const filed = [...mailbox.messages.all()].find(
      (r) => r.folder === 'inbox' && r.sensitivity === 'normal',
    )!;
    const id = mailbox.messages.immutableId(filed.key);
    const crmBefore = (await env.db.selectFrom('mail_items').select('id').execute()).length;

    await control('POST', `/messages/${id}/move`, { folder: candidates });
    await syncOnce();
    await assertCrmMatchesMailbox();
    assert.equal(await detachedLinks(), 1, 'the owner link left the synced folders');
    assert.equal((await env.db.selectFrom('mail_items').select('id').execute()).length, crmBefore);

    await control('POST', `/messages/${id}/move`, { folder: 'inbox' });
    await syncOnce();
    await assertCrmMatchesMailbox();
    assert.equal(await detachedLinks(), 0, 'attached again');
  });
});
