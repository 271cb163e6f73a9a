import assert from 'node:assert/strict';
import type { StoreOp } from '../../bot/sync/core/store-ops.js';
import { claimAccount, LeaseLostError } from '../../bot/sync/lease.js';
import { commitPage, loadCursor, resetCursor, type PageCommit } from '../../bot/sync/page-commit.js';
import { startRun } from '../../bot/sync/run-record.js';
import { syncDb } from '../../bot/sync/sync-tables.js';
import { forEachDialect } from '../support/postgres.js';
import { CONTOSO, seedAccount, seedContact, seedTenant } from './support/accounts.js';

/**
 * Page commits on both dialects with hand-built ops: one transaction for ops + cursor + run counters,
 * idempotent under replays, newest version wins in any order, fenced by the lease.
 */

const T = CONTOSO.id;
const OWNER = 'w1';

forEachDialect('page commit', (suite) => {
  const db = () => syncDb(suite.store);
  let alice: string;
  let bob: string;
  let priya: string;
  let tom: string;

  before(async function () {
    await seedTenant(suite.store);
    alice = (await seedAccount(suite.store, { tenantId: T, email: 'alice@contoso.com' })).accountId;
    bob = (await seedAccount(suite.store, { tenantId: T, email: 'bob@contoso.com' })).accountId;
    priya = await seedContact(suite.store, T, 'Priya', ['priya@example.com']);
    tom = await seedContact(suite.store, T, 'Tom', ['tom@example.com']);
  });

  beforeEach(async function () {
    for (const table of [
      'mail_item_contacts',
      'mail_item_owners',
      'mail_items',
      'diary_item_contacts',
      'diary_item_owners',
      'diary_items',
      'sync_skips',
      'sync_cursors',
      'sync_runs',
      'job_leases',
    ] as const) {
      await db().deleteFrom(table).execute();
    }
    for (const account of [alice, bob])
      assert.ok(await claimAccount(db(), account, { owner: OWNER, leaseMs: 60_000, now: Date.now() }));
  });

  const mail = (
    account: string,
    graphId: string,
    imid: string,
    version: string,
    subject: string,
    folder = 'inbox',
    contacts = [priya],
  ): StoreOp[] => [
    {
      kind: 'mail_item.upsert',
      tenantId: T,
      internetMessageId: imid,
      version: `${version}|${account}|${graphId}`,
      fields: {
        subject,
        sentAt: version,
        fromAddress: 'priya@example.com',
        toAddresses: ['alice@contoso.com'],
        ccAddresses: [],
        sensitivity: 'normal',
      },
    },
    {
      kind: 'mail_item_owner.upsert',
      tenantId: T,
      internetMessageId: imid,
      accountId: account,
      graphMessageId: graphId,
      folder,
      direction: 'received',
      version,
    },
    ...contacts.map((contactId): StoreOp => ({
      kind: 'mail_item_contact.link',
      tenantId: T,
      internetMessageId: imid,
      contactId,
    })),
  ];

  async function commit(
    account: string,
    ops: StoreOp[],
    link = 'https://graph.example/v1.0/next',
    owner = OWNER,
  ) {
    const runId = await startRun(db(), {
      accountId: account,
      resource: 'mail:inbox',
      now: Date.now(),
      progressDone: 0,
      progressEstimate: null,
    });
    const page: PageCommit = {
      owner,
      accountId: account,
      resource: 'mail:inbox',
      ops,
      cursor: { link, roundComplete: false },
      window: null,
      runId,
      counts: {
        filed: ops.filter((o) => o.kind.endsWith('owner.upsert')).length,
        removed: 0,
        skipped: {},
        rejected: 0,
      },
      now: Date.now(),
    };
    return { runId, result: await commitPage(db(), page) };
  }

  const subjects = async () =>
    await db()
      .selectFrom('mail_items')
      .select(['internet_message_id', 'subject'])
      .orderBy('internet_message_id')
      .execute();

  it('commits ops, cursor and run counters together; a replayed page changes nothing', async function () {
    const page = [
      ...mail(alice, 'g1', '<m1@x>', '2025-01-01T00:00:00.000Z', 'Hello'),
      ...mail(alice, 'g2', '<m2@x>', '2025-01-02T00:00:00.000Z', 'CV', 'inbox', [priya, tom]),
    ];
    const first = await commit(alice, page, 'https://graph.example/v1.0/p2');
    assert.deepEqual(first.result, { added: 2, updated: 0 });
    const cursor = await loadCursor(db(), alice, 'mail:inbox');
    assert.deepEqual(cursor.cursor, { link: 'https://graph.example/v1.0/p2', roundComplete: false });
    const run = await db()
      .selectFrom('sync_runs')
      .selectAll()
      .where('id', '=', first.runId)
      .executeTakeFirstOrThrow();
    assert.equal(run.added, 2);
    assert.equal(run.progress_done, 2);

    const replay = await commit(alice, page, 'https://graph.example/v1.0/p2');
    assert.deepEqual(replay.result, { added: 0, updated: 2 });
    assert.equal((await db().selectFrom('mail_items').selectAll().execute()).length, 2);
    assert.equal((await db().selectFrom('mail_item_owners').selectAll().execute()).length, 2);
    assert.equal((await db().selectFrom('mail_item_contacts').selectAll().execute()).length, 3);
  });

  it('keeps the newest copy whatever order pages arrive in', async function () {
    await commit(alice, mail(alice, 'g1', '<m1@x>', '2025-01-05T00:00:00.000Z', 'Newer'));
    await commit(alice, mail(alice, 'g1', '<m1@x>', '2025-01-01T00:00:00.000Z', 'Older'));
    assert.deepEqual(await subjects(), [{ internet_message_id: '<m1@x>', subject: 'Newer' }]);
  });

  it('files one CRM e-mail with two owners when two recruiters have the same message', async function () {
    await commit(alice, mail(alice, 'ga', '<shared@x>', '2025-01-01T00:00:00.000Z', 'Thread'));
    await commit(bob, mail(bob, 'gb', '<shared@x>', '2025-01-01T00:00:01.000Z', 'Thread', 'inbox', [tom]));
    assert.equal((await db().selectFrom('mail_items').selectAll().execute()).length, 1);
    const owners = await db()
      .selectFrom('mail_item_owners')
      .select('account_id')
      .orderBy('account_id')
      .execute();
    assert.deepEqual(
      owners.map((o) => o.account_id),
      [alice, bob].sort(),
    );
    assert.equal((await db().selectFrom('mail_item_contacts').selectAll().execute()).length, 2);
  });

  it('applies moves between folders and leaves, without ever deleting the CRM e-mail', async function () {
    await commit(alice, mail(alice, 'g1', '<m1@x>', '2025-01-01T00:00:00.000Z', 'Hi', 'inbox'));
    await commit(alice, mail(alice, 'g1', '<m1@x>', '2025-01-02T00:00:00.000Z', 'Hi', 'sentitems'));
    // The inbox's report of the move out arrives after: the owner already says sentitems, so nothing changes.
    await commit(alice, [
      { kind: 'mail_item_owner.left_folder', accountId: alice, graphMessageId: 'g1', folder: 'inbox' },
    ]);
    let owner = await db().selectFrom('mail_item_owners').selectAll().executeTakeFirstOrThrow();
    assert.equal(owner.folder, 'sentitems');
    assert.equal(owner.left_at, null);

    await commit(alice, [
      { kind: 'mail_item_owner.left_folder', accountId: alice, graphMessageId: 'g1', folder: 'sentitems' },
    ]);
    owner = await db().selectFrom('mail_item_owners').selectAll().executeTakeFirstOrThrow();
    assert.notEqual(owner.left_at, null);
    assert.equal(
      (await db().selectFrom('mail_items').selectAll().execute()).length,
      1,
      'the CRM is the record',
    );
  });

  it('detaches and revives diary owners, and records then clears skips', async function () {
    const key = { tenantId: T, iCalUId: 'uid-1', occurrenceStart: '2025-02-01T09:00:00.000Z' };
    const listed: StoreOp[] = [
      {
        kind: 'diary_item.upsert',
        ...key,
        version: '2025-01-01T00:00:00.000Z|a|e1',
        fields: {
          subject: 'Interview',
          startAt: key.occurrenceStart,
          endAt: '2025-02-01T10:00:00.000Z',
          isAllDay: false,
          location: null,
          isCancelled: false,
          organizer: 'alice@contoso.com',
          attendees: [{ address: 'priya@example.com' }],
          seriesMasterId: null,
          sensitivity: 'normal',
        },
      },
      {
        kind: 'diary_item_owner.upsert',
        ...key,
        accountId: alice,
        graphEventId: 'e1',
        role: 'organizer',
        version: '2025-01-01T00:00:00.000Z',
      },
      { kind: 'diary_item_contact.link', ...key, contactId: priya },
    ];
    await commit(alice, listed);
    await commit(alice, [{ kind: 'diary_item_owner.removed', accountId: alice, graphEventId: 'e1' }]);
    assert.notEqual(
      (await db().selectFrom('diary_item_owners').select('removed_at').executeTakeFirstOrThrow()).removed_at,
      null,
    );
    await commit(alice, listed);
    const owner = await db().selectFrom('diary_item_owners').selectAll().executeTakeFirstOrThrow();
    assert.equal(owner.removed_at, null, 'listed again: the event is there');
    assert.equal(owner.role, 'organizer');

    await commit(alice, [
      {
        kind: 'sync_skip.record',
        accountId: alice,
        resource: 'mail:inbox',
        graphId: 'g9',
        reason: 'private',
        summary: 'marked private',
      },
    ]);
    await commit(alice, [
      {
        kind: 'sync_skip.record',
        accountId: alice,
        resource: 'mail:inbox',
        graphId: 'g9',
        reason: 'private',
        summary: 'marked private',
      },
    ]);
    assert.equal((await db().selectFrom('sync_skips').selectAll().execute()).length, 1);
    await commit(alice, [
      { kind: 'sync_skip.clear', accountId: alice, resource: 'mail:inbox', graphId: 'g9' },
    ]);
    assert.equal((await db().selectFrom('sync_skips').selectAll().execute()).length, 0);
  });

  it('refuses to commit without the lease, and then nothing of the page is written', async function () {
    await assert.rejects(
      commit(
        alice,
        mail(alice, 'g1', '<m1@x>', '2025-01-01T00:00:00.000Z', 'Hi'),
        'https://graph.example/v1.0/x',
        'intruder',
      ),
      (err) => err instanceof LeaseLostError,
    );
    assert.deepEqual(await subjects(), []);
    assert.deepEqual((await loadCursor(db(), alice, 'mail:inbox')).cursor, null);
    await assert.rejects(
      resetCursor(db(), 'intruder', alice, 'mail:inbox', Date.now()),
      (err) => err instanceof LeaseLostError,
    );
  });
});
