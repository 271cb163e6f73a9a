import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CONTOSO, seedTenant, switchOff } from './support/accounts.js';
import { actualMail, expectedMail, mailDifferences, type MailRules } from './support/expectation.js';
import { connectAccount, startSyncEnv, type DemoUser, type SyncEnv } from './support/sync-env.js';
import { waitFor } from './support/wait.js';
import { killAll, spawnWorker, workerEnvironment, type WorkerProcess } from './support/worker-process.js';

/**
 * Scale-out on a real PostgreSQL: three `npm run worker` processes share many accounts through
 * database leases. One is SIGKILLed in the middle of the import; its leases expire and the others take
 * its accounts over. Every account must end up equal to its mailbox, each change synced once, and no
 * account ever worked on by two workers at the same time.
 */

const ACCOUNTS = 10;
const MESSAGES_EACH = 240;

describe('scale-out with three worker processes [postgres]', function () {
  this.timeout(180_000);
  let env: SyncEnv;
  const users: (DemoUser & { accountId: string })[] = [];
  const workers: WorkerProcess[] = [];
  const rules: MailRules = {
    folders: ['inbox', 'sentitems'],
    historyDays: 90,
    tenantDomains: [CONTOSO.domain],
    contacts: new Map(),
    fileWithoutContact: true,
    includePrivate: true,
  };

  before(async function () {
    env = await startSyncEnv('postgres');
    await seedTenant(env.store);
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const user = { id: randomUUID(), username: `recruiter${i}@contoso.com`, password: 'demo' };
      const created = await env.control('POST', '/users', {
        id: user.id,
        tenantId: CONTOSO.id,
        userPrincipalName: user.username,
        displayName: `Recruiter ${i}`,
        password: user.password,
      });
      assert.equal(created.status, 201, await created.text());
      const accountId = await connectAccount(env, user);
      users.push({ ...user, accountId });
      const generated = await env.control('POST', `/mailboxes/${user.id}/generate`, {
        messages: MESSAGES_EACH,
        events: 0,
        seed: i + 1,
        days: 60,
      });
      assert.equal(generated.status, 200);
      assert.equal(
        (await env.control('PUT', `/mailboxes/${user.id}/faults`, { latencyMs: 150 })).status,
        200,
      );
    }
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
    await switchOff(
      env.store,
      users.map((u) => u.accountId),
      'diary',
    );
  });

  after(async function () {
    await killAll(workers);
    await env?.close();
  });

  const ownersOf = async (accountId: string) =>
    Number(
      (
        await env.db
          .selectFrom('mail_item_owners')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', accountId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function allMatch(): Promise<boolean> {
    for (const user of users) {
      if (
        mailDifferences(await actualMail(env.db, user.accountId), expectedMail(env.emu, user.id, rules))
          .length > 0
      )
        return false;
    }
    return true;
  }

  it('shares the accounts, survives a killed worker, and syncs every change exactly once', async function () {
    const environment = workerEnvironment(env, {
      SYNC_PAGE_SIZE: '20',
      STORE_MAIL_WITHOUT_CONTACT: 'true',
      SYNC_MAX_MAILBOXES: '2',
      POLL_INTERVAL_SECONDS: '5',
      LOG_LEVEL: 'info',
    });
    for (let i = 0; i < 3; i += 1) workers.push(spawnWorker(environment));
    await waitFor(
      () => workers.every((w) => w.output().includes('sync worker started')),
      60_000,
      'three workers to start',
      200,
    );

    // Watch the leases while the workers run: who held what, and when.
    const owners = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const lease of await env.db.selectFrom('job_leases').select(['owner']).execute())
          owners.add(lease.owner);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const total = ACCOUNTS * MESSAGES_EACH;
    const victim = workers[0]!;
    // Owner ids are host:pid:random; the victim's leases are those carrying its pid.
    const heldByVictim = async () =>
      (await env.db.selectFrom('job_leases').select(['account_id', 'owner']).execute()).filter(
        (l) => l.owner.split(':')[1] === String(victim.child.pid),
      );
    let victimLeases: { account_id: string }[] = [];
    await waitFor(
      async () => {
        let done = 0;
        for (const u of users) done += await ownersOf(u.accountId);
        if (done < total * 0.3) return false;
        victimLeases = await heldByVictim();
        return victimLeases.length > 0;
      },
      60_000,
      'a third of the import, with the victim holding accounts',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the workers said:\n${workers.map((w) => w.output()).join('\n')}`);
    });
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    await waitFor(allMatch, 90_000, 'every account to match its mailbox');
    assert.ok(owners.size >= 3, `all three workers held leases (${owners.size})`);

    // One change per account after the import: each is synced once by whichever worker polls it.
    for (const user of users) {
      const res = await env.control('POST', `/mailboxes/${user.id}/messages`, {
        folder: 'inbox',
        subject: 'One more',
        from: `candidate.${user.id.slice(0, 8)}@example.com`,
        to: [user.username],
      });
      assert.equal(res.status, 201);
    }
    await waitFor(allMatch, 60_000, 'the changes to arrive');
    watching = false;
    await watcher;

    for (const user of users) {
      const expected = expectedMail(env.emu, user.id, rules);
      assert.deepEqual(mailDifferences(await actualMail(env.db, user.accountId), expected), []);
      const runs = await env.db
        .selectFrom('sync_runs')
        .select(['added'])
        .where('account_id', '=', user.accountId)
        .execute();
      const addedByRuns = runs.reduce((a, r) => a + r.added, 0);
      const ownersNow = await ownersOf(user.accountId);
      assert.equal(ownersNow, Object.keys(expected.filed).length);
      // A page applied twice (two workers, or a replay counted again) would count its items as added twice.
      assert.ok(
        addedByRuns <= ownersNow,
        `account ${user.username}: ${addedByRuns} additions for ${ownersNow} items`,
      );
    }

    // No account was ever worked on by two workers at once: the runs of one of its resources never
    // overlap in time (its resources page side by side, so runs of different resources may). The
    // killed worker's unfinished runs ended when it died.
    const runs = await env.db
      .selectFrom('sync_runs')
      .select(['account_id', 'resource', 'started_at', 'ended_at'])
      .orderBy('started_at')
      .execute();
    const byAccount = new Map<string, { start: number; end: number }[]>();
    for (const r of runs) {
      const key = `${r.account_id} ${r.resource}`;
      const list = byAccount.get(key) ?? [];
      list.push({ start: Date.parse(r.started_at), end: r.ended_at ? Date.parse(r.ended_at) : killedAt });
      byAccount.set(key, list);
    }
    for (const [account, list] of byAccount) {
      for (let i = 1; i < list.length; i += 1) {
        assert.ok(
          list[i]!.start >= list[i - 1]!.end,
          `two workers synced account ${account} at the same time`,
        );
      }
    }
    for (const lease of victimLeases) {
      const finishedAfterKill = runs.some(
        (r) => r.account_id === lease.account_id && r.ended_at && Date.parse(r.ended_at) > killedAt,
      );
      assert.ok(finishedAfterKill, `account ${lease.account_id} held at the kill was taken over`);
    }
  });
});
