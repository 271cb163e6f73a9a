import assert from 'node:assert/strict';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { syncAccount, type AccountSyncDeps } from '../../bot/sync/account-sync.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { DIALECTS } from '../support/postgres.js';
import { DEMO } from '../support/emulator-msal.js';
import { CONTOSO } from './support/accounts.js';
import {
  actualDiaryKeys,
  actualMail,
  expectedDiaryKeys,
  expectedMail,
  mailDifferences,
  type MailRules,
} from './support/expectation.js';
import {
  clearMailImport,
  connectAccount,
  mailboxControl,
  seedContosoCrm,
  startSyncEnv,
  testSettings,
  type SyncEnv,
} from './support/sync-env.js';
import { idealWindow, DEFAULT_WINDOW_SETTINGS } from '../../bot/sync/core/calendar-window.js';

/**
 * One account's sync against the emulator with real msal-node, the real Graph client and the real
 * store: the CRM must end up equal to what the mailbox says it should hold, after an initial import
 * and after live changes, on SQLite and PostgreSQL.
 */

const OWNER = 'test-worker';

for (const dialect of DIALECTS) {
  describe(`account sync against the emulator [${dialect}]`, function () {
    this.timeout(120_000);
    let env: SyncEnv;
    let accountId: string;
    let contacts: Record<string, string>;
    let rules: MailRules;
    const alice = DEMO.alice;

    before(async function () {
      env = await startSyncEnv(dialect);
      contacts = await seedContosoCrm(env.store);
      accountId = await connectAccount(env, alice);
      const byAddress = new Map<string, string>();
      for (const row of await env.db
        .selectFrom('crm_contact_emails')
        .select(['email', 'contact_id'])
        .execute()) {
        byAddress.set(row.email, row.contact_id);
      }
      rules = {
        folders: ['inbox', 'sentitems'],
        historyDays: 90,
        tenantDomains: [CONTOSO.domain],
        contacts: byAddress,
      };
    });
    after(async function () {
      await env?.close();
    });

    function deps(now: () => number = Date.now): AccountSyncDeps {
      return {
        db: env.db,
        owner: OWNER,
        graphBaseUrl: env.emu.origin,
        fetch: env.fetch,
        limiter: new MailboxLimiter(4),
        tokens: env.tokens,
        settings: testSettings({ pageSize: 3 }),
        subscriptions: null,
        logger: env.logger,
        now,
        random: Math.random,
      };
    }

    async function syncOnce(now: () => number = Date.now) {
      assert.equal(
        await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: now() }),
        true,
      );
      return syncAccount(deps(now), accountId, () => false);
    }

    it('imports the mailbox: the CRM holds exactly the filed mail and the diary of the window', async function () {
      const result = await syncOnce();
      assert.equal(result.outcome, 'completed', JSON.stringify(result));

      const expected = expectedMail(env.emu, alice.id, rules);
      assert.ok(Object.keys(expected.filed).length >= 3, 'the demo mailbox has mail with CRM contacts');
      assert.deepEqual(mailDifferences(await actualMail(env.db, accountId), expected), []);

      const window = idealWindow(Date.now(), DEFAULT_WINDOW_SETTINGS);
      const known = new Set(rules.contacts.keys());
      const diary = expectedDiaryKeys(env.emu, alice.id, window, (people) =>
        people.some((p) => known.has(p)),
      );
      assert.ok(diary.length > 0, 'the demo calendar has meetings with CRM contacts');
      assert.deepEqual(await actualDiaryKeys(env.db, accountId), diary);

      const runs = await env.db
        .selectFrom('sync_runs')
        .selectAll()
        .where('account_id', '=', accountId)
        .execute();
      assert.deepEqual(runs.map((r) => r.resource).sort(), ['diary', 'mail:inbox', 'mail:sentitems']);
      for (const run of runs) {
        assert.equal(run.status, 'succeeded');
        assert.ok(run.requests >= 1 && run.ended_at !== null);
      }
      const inbox = runs.find((r) => r.resource === 'mail:inbox')!;
      assert.ok(
        inbox.progress_estimate !== null && inbox.progress_done >= inbox.progress_estimate,
        'import progress reached its estimate',
      );
      const skipped = JSON.parse(inbox.skipped) as Record<string, number>;
      const skips = await env.db
        .selectFrom('sync_skips')
        .select(['reason'])
        .where('account_id', '=', accountId)
        .where('resource', '=', 'mail:inbox')
        .execute();
      assert.equal(
        Object.values(skipped).reduce((a, b) => a + b, 0),
        skips.length,
        'every skip is recorded with its reason',
      );

      const account = await env.db
        .selectFrom('sync_accounts')
        .selectAll()
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      assert.ok(
        account.last_synced_at !== null &&
          account.next_run_at !== null &&
          Date.parse(account.next_run_at) > Date.now(),
      );
      assert.equal(
        await env.db.selectFrom('job_leases').select('account_id').executeTakeFirst(),
        undefined,
        'lease released',
      );
    });

    it('applies live changes: new, updated, moved, deleted, private and contactless mail', async function () {
      const add = async (body: object) => {
        const res = await env.control('POST', `/mailboxes/${alice.id}/messages`, body);
        assert.equal(res.status, 201, await res.clone().text());
        return (await res.json()) as { id: string; internetMessageId: string };
      };
      const fromTom = await add({
        folder: 'inbox',
        subject: 'Northwind shortlist',
        from: 'tom.becker@northwind.example',
        to: [alice.username],
      });
      const toSofia = await add({
        folder: 'sentitems',
        subject: 'Your interview',
        from: alice.username,
        to: ['sofia.rossi@example.org'],
        cc: ['priya.p@example.net'],
      });
      await add({
        folder: 'inbox',
        subject: 'Private',
        from: 'tom.becker@northwind.example',
        to: [alice.username],
        sensitivity: 'private',
      });
      await add({
        folder: 'inbox',
        subject: 'Newsletter',
        from: 'news@unknown.example',
        to: [alice.username],
      });
      await add({ folder: 'inbox', subject: 'Lunch?', from: 'dan.morgan@contoso.com', to: [alice.username] });

      const before = expectedMail(env.emu, alice.id, rules);
      const [moveId, deleteId] = Object.keys(before.filed).filter(
        (id) => id !== fromTom.internetMessageId && id !== toSofia.internetMessageId,
      );
      const recordOf = (imid: string) =>
        [...env.emu.ctx.mailboxes.mailbox(alice.id).messages.all()].find(
          (r) => r.fields.internetMessageId === imid,
        )!;
      const moved = recordOf(moveId!);
      const deleted = recordOf(deleteId!);
      const movedId = env.emu.ctx.mailboxes.mailbox(alice.id).messages.ids(moved).regular;
      assert.equal(
        (await env.control('POST', `/mailboxes/${alice.id}/messages/${movedId}/move`, { folder: 'archive' }))
          .status,
        200,
      );
      const deletedId = env.emu.ctx.mailboxes.mailbox(alice.id).messages.ids(deleted).regular;
      assert.equal((await env.control('DELETE', `/mailboxes/${alice.id}/messages/${deletedId}`)).status, 204);
      const patched = await env.control('PATCH', `/mailboxes/${alice.id}/messages/${fromTom.id}`, {
        subject: 'Northwind shortlist (updated)',
      });
      assert.equal(patched.status, 200);

      const result = await syncOnce();
      assert.equal(result.outcome, 'completed', JSON.stringify(result));
      assert.deepEqual(
        mailDifferences(await actualMail(env.db, accountId), expectedMail(env.emu, alice.id, rules)),
        [],
      );

      const tom = await env.db
        .selectFrom('mail_items')
        .selectAll()
        .where('internet_message_id', '=', fromTom.internetMessageId)
        .executeTakeFirstOrThrow();
      assert.equal(tom.subject, 'Northwind shortlist (updated)');
      for (const gone of [moveId!, deleteId!]) {
        const item = await env.db
          .selectFrom('mail_items')
          .select('id')
          .where('internet_message_id', '=', gone)
          .executeTakeFirst();
        assert.ok(item, 'a deleted or moved-away message stays in the CRM');
      }
      const reasons = (
        await env.db.selectFrom('sync_skips').select('reason').where('account_id', '=', accountId).execute()
      ).map((r) => r.reason);
      for (const reason of ['private', 'no_crm_contact', 'internal'])
        assert.ok(reasons.includes(reason as never), `a ${reason} skip is recorded`);
      assert.deepEqual(
        (await actualMail(env.db, accountId)).filed[toSofia.internetMessageId]?.contacts,
        [contacts.priya, contacts.sofia].sort(),
        'a message is filed against every CRM contact among its participants',
      );
    });

    it('re-bases the diary when its window has moved, without duplicating or losing entries', async function () {
      // One moment for the round and the expectation, so midnight UTC passing between them moves nothing.
      const t = Date.now();
      const day = 86_400_000;
      // The worker's default diary window: from midnight UTC 90 days back to the end of the day 365
      // days ahead.
      const today = Math.floor(t / day) * day;
      const ideal = {
        start: new Date(today - 90 * day).toISOString(),
        end: new Date(today + 366 * day).toISOString(),
      };
      // As if the last round ran yesterday: the stored window is a day behind.
      await env.db
        .updateTable('sync_cursors')
        .set({
          window_start: new Date(Date.parse(ideal.start) - day).toISOString(),
          window_end: new Date(Date.parse(ideal.end) - day).toISOString(),
        })
        .where('resource', '=', 'diary')
        .execute();
      const before = await env.db.selectFrom('diary_items').select('id').execute();
      assert.equal((await syncOnce(() => t)).outcome, 'completed');
      const cursor = await env.db
        .selectFrom('sync_cursors')
        .selectAll()
        .where('resource', '=', 'diary')
        .executeTakeFirstOrThrow();
      assert.deepEqual({ start: cursor.window_start, end: cursor.window_end }, ideal);
      assert.equal(cursor.round_complete, 1);
      const after = await env.db.selectFrom('diary_items').select('id').execute();
      assert.deepEqual(
        after.map((r) => r.id).sort(),
        before.map((r) => r.id).sort(),
        'the same entries, none added twice',
      );
      const known = new Set(rules.contacts.keys());
      const diary = expectedDiaryKeys(env.emu, alice.id, ideal, (people) => people.some((p) => known.has(p)));
      assert.deepEqual(await actualDiaryKeys(env.db, accountId), diary);
    });

    // Microsoft Graph throttling limits, "Outlook service limits": four concurrent requests per app ID
    // and mailbox combination (learn.microsoft.com/graph/throttling-limits#outlook-service-limits).
    it('re-imports five folders and the calendar side by side, never more than four requests in flight to the mailbox', async function () {
      const control = mailboxControl(() => env, alice.id);
      await control('PUT', '/faults', { latencyMs: 30 });
      await control('DELETE', '/requests');
      await env.db.deleteFrom('sync_cursors').where('account_id', '=', accountId).execute();
      const folders = ['inbox', 'sentitems', 'drafts', 'archive', 'deleteditems'];
      assert.equal(
        await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() }),
        true,
      );
      const result = await syncAccount(
        { ...deps(), settings: testSettings({ pageSize: 3, mailFolders: folders, roundsPerMailbox: 4 }) },
        accountId,
        () => false,
      );
      await control('PUT', '/faults', { latencyMs: 0 });
      assert.equal(result.outcome, 'completed', JSON.stringify(result));

      const seen = (await (await control('GET', '/requests')).json()) as {
        maxInFlight: number;
        throttled: number;
      };
      assert.ok(seen.maxInFlight >= 2, `the rounds overlapped: at most ${seen.maxInFlight} in flight`);
      assert.ok(seen.maxInFlight <= 4, `${seen.maxInFlight} requests were in flight at once`);
      assert.equal(seen.throttled, 0, 'no MailboxConcurrency 429');
      assert.deepEqual(
        mailDifferences(
          await actualMail(env.db, accountId),
          expectedMail(env.emu, alice.id, { ...rules, folders }),
        ),
        [],
      );
    });

    it('a run that loses its lease while its rounds page side by side commits nothing more; the next run ends exactly once', async function () {
      await clearMailImport(env);
      assert.equal(
        await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() }),
        true,
      );
      // Another worker takes the account over while pages are on their way: every round's next
      // commit is refused, as if this worker had died just before it.
      const cursors = () =>
        env.db
          .selectFrom('sync_cursors')
          .select(['resource', 'delta_link'])
          .where('account_id', '=', accountId)
          .orderBy('resource')
          .execute();
      let requests = 0;
      let atTakeover: Awaited<ReturnType<typeof cursors>> | undefined;
      const takeover: AccountSyncDeps['fetch'] = async (url, init) => {
        requests += 1;
        if (requests === 6) {
          await env.db.updateTable('job_leases').set({ owner: 'other-worker' }).execute();
          atTakeover = await cursors();
        }
        return env.fetch(url, init);
      };
      const lost = await syncAccount(
        { ...deps(), fetch: takeover, settings: testSettings({ pageSize: 3, roundsPerMailbox: 3 }) },
        accountId,
        () => false,
      );
      assert.equal(lost.outcome, 'lease_lost', JSON.stringify(lost));
      assert.deepEqual(await cursors(), atTakeover, 'no page committed after the lease was taken');

      await env.db.deleteFrom('job_leases').execute();
      const resumed = await syncOnce();
      assert.equal(resumed.outcome, 'completed', JSON.stringify(resumed));
      const expected = expectedMail(env.emu, alice.id, rules);
      assert.deepEqual(mailDifferences(await actualMail(env.db, accountId), expected), []);
      const owners = await env.db
        .selectFrom('mail_item_owners')
        .select('graph_message_id')
        .where('account_id', '=', accountId)
        .where('left_at', 'is', null)
        .execute();
      assert.equal(owners.length, Object.keys(expected.filed).length, 'one owner link per filed message');
    });

    it('an idle poll changes nothing and records no run', async function () {
      const runsBefore = (await env.db.selectFrom('sync_runs').select('id').execute()).length;
      const mailBefore = await actualMail(env.db, accountId);
      const result = await syncOnce();
      assert.equal(result.outcome, 'completed');
      assert.equal(result.requests, 3, 'one request per resource');
      assert.equal((await env.db.selectFrom('sync_runs').select('id').execute()).length, runsBefore);
      assert.deepEqual(await actualMail(env.db, accountId), mailBefore);
    });
  });
}
