import assert from 'node:assert/strict';
import { diaryBaselineScope, mailBaselineScope } from '../../bot/sync/core/baseline.js';
import type { StoreOp, SyncResource } from '../../bot/sync/core/store-ops.js';
import { claimAccount, LeaseLostError } from '../../bot/sync/lease.js';
import {
  commitPage,
  loadCursor,
  resetCursor,
  type BaselinePage,
  type PageCommit,
} from '../../bot/sync/page-commit.js';
import { startRun } from '../../bot/sync/run-record.js';
import { forEachDialect } from '../support/postgres.js';
import { CONTOSO, seedAccount, seedContact, seedTenant } from './support/accounts.js';

/**
 * Page commits on both dialects with hand-built ops: one transaction for ops + cursor + run counters,
 * idempotent under replays, newest version wins in any order, fenced by the lease.
 */

const T = CONTOSO.id;
const OWNER = 'w1';

forEachDialect('page commit', (suite) => {
  const db = () => suite.store.db;
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

  const FEBRUARY = { start: '2025-02-01T00:00:00.000Z', end: '2025-03-01T00:00:00.000Z' };
  const diary = (
    account: string,
    graphEventId: string,
    key: { tenantId: string; iCalUId: string; occurrenceStart: string },
    version: string,
    endAt: string,
  ): StoreOp[] => [
    {
      kind: 'diary_item.upsert',
      ...key,
      version: `${version}|${account}|${graphEventId}`,
      fields: {
        subject: key.iCalUId,
        startAt: key.occurrenceStart,
        endAt,
        isAllDay: false,
        location: null,
        isCancelled: false,
        organizer: 'alice@contoso.com',
        attendees: [{ address: 'priya@example.com' }],
        seriesMasterId: null,
        sensitivity: 'normal',
      },
    },
    { kind: 'diary_item_owner.upsert', ...key, accountId: account, graphEventId, role: 'organizer', version },
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

  // "event: delta": a round also reports events changed outside its window as removed; an entry that
  // merely slid out of the window is still in Outlook.
  it('ignores a diary removal whose stored entry lies outside the round’s window', async function () {
    const key = { tenantId: T, iCalUId: 'uid-old', occurrenceStart: '2025-01-10T09:00:00.000Z' };
    await commit(alice, diary(alice, 'e-old', key, '2025-01-01T00:00:00.000Z', '2025-01-10T10:00:00.000Z'));
    await commit(alice, [
      { kind: 'diary_item_owner.removed', accountId: alice, graphEventId: 'e-old', window: FEBRUARY },
    ]);
    const owner = await db().selectFrom('diary_item_owners').selectAll().executeTakeFirstOrThrow();
    assert.equal(owner.removed_at, null);
  });

  it('keeps of a series only the occurrences Graph still lists in the window, for that account', async function () {
    const occurrence = (day: string) => ({
      tenantId: T,
      iCalUId: 'series-1',
      occurrenceStart: `2025-02-${day}T09:00:00.000Z`,
    });
    const v = '2025-01-01T00:00:00.000Z';
    await commit(alice, [
      ...diary(alice, 'o1', occurrence('03'), v, '2025-02-03T10:00:00.000Z'),
      ...diary(alice, 'o2', occurrence('10'), v, '2025-02-10T10:00:00.000Z'),
      ...diary(
        alice,
        'other',
        { tenantId: T, iCalUId: 'uid-x', occurrenceStart: '2025-02-11T09:00:00.000Z' },
        v,
        '2025-02-11T10:00:00.000Z',
      ),
    ]);
    await commit(bob, diary(bob, 'b2', occurrence('10'), v, '2025-02-10T10:00:00.000Z'));
    await commit(alice, [
      {
        kind: 'diary_series.retain',
        tenantId: T,
        accountId: alice,
        iCalUId: 'series-1',
        graphEventIds: ['o1'],
        window: FEBRUARY,
      },
    ]);
    const rows = await db()
      .selectFrom('diary_item_owners')
      .select(['graph_event_id', 'removed_at'])
      .orderBy('graph_event_id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.graph_event_id, r.removed_at !== null]),
      [
        ['b2', false],
        ['o1', false],
        ['o2', true],
        ['other', false],
      ],
    );
  });

  it('detaches and revives diary owners, and records then clears skips', async function () {
    const key = { tenantId: T, iCalUId: 'uid-1', occurrenceStart: '2025-02-01T09:00:00.000Z' };
    const listed: StoreOp[] = [
      ...diary(alice, 'e1', key, '2025-01-01T00:00:00.000Z', '2025-02-01T10:00:00.000Z'),
      { kind: 'diary_item_contact.link', ...key, contactId: priya },
    ];
    await commit(alice, listed);
    await commit(alice, [
      { kind: 'diary_item_owner.removed', accountId: alice, graphEventId: 'e1', window: FEBRUARY },
    ]);
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
      { kind: 'sync_skip.clear', accountId: alice, resource: 'mail:sentitems', graphId: 'g9' },
    ]);
    assert.equal((await db().selectFrom('sync_skips').selectAll().execute()).length, 1, 'another folder’s');
    await commit(alice, [
      { kind: 'sync_skip.clear', accountId: alice, resource: 'mail:sentitems', graphId: 'g8' },
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

  describe('baseline generations: what a re-baseline did not list is detached', function () {
    const HISTORY_DAYS = 90;
    const recent = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
    const inboxScope = () => mailBaselineScope('inbox', Date.now(), HISTORY_DAYS);

    /** One baseline page of `resource`: `complete` stores the deltaLink (the baseline's last page). */
    async function baselinePage(
      account: string,
      resource: SyncResource,
      ops: StoreOp[],
      baseline: BaselinePage,
      complete: boolean,
    ) {
      return commitPage(db(), {
        owner: OWNER,
        accountId: account,
        resource,
        ops,
        cursor: {
          link: `https://graph.example/v1.0/${complete ? 'delta' : 'next'}`,
          roundComplete: complete,
        },
        window: null,
        runId: null,
        counts: { filed: 0, removed: 0, skipped: {}, rejected: 0 },
        now: Date.now(),
        baseline,
      });
    }

    /** A complete one-page baseline of alice's inbox listing `messages` ([graphId, imid, sent]). */
    async function inboxBaseline(messages: [string, string, string][], folder = 'inbox') {
      const ops = messages.flatMap(([g, imid, sent]) => mail(alice, g, imid, sent, 'Hi', folder));
      const scope = mailBaselineScope(folder, Date.now(), HISTORY_DAYS);
      await baselinePage(
        alice,
        `mail:${folder}`,
        ops,
        { first: true, listed: messages.map(([g]) => g), scope },
        true,
      );
    }

    const ownerRows = async () =>
      Object.fromEntries(
        (
          await db()
            .selectFrom('mail_item_owners')
            .select(['graph_message_id', 'folder', 'left_at'])
            .where('account_id', '=', alice)
            .execute()
        ).map((r) => [r.graph_message_id, { folder: r.folder, left: r.left_at !== null }]),
      );

    it('detaches a message deleted before a forced 410, keeps the CRM e-mail and what is still there', async function () {
      await inboxBaseline([
        ['g1', '<m1@x>', recent(3)],
        ['g2', '<m2@x>', recent(2)],
      ]);
      assert.deepEqual(await ownerRows(), {
        g1: { folder: 'inbox', left: false },
        g2: { folder: 'inbox', left: false },
      });
      // g2 is deleted; Graph never reports it, the 410 drops the cursor, the new baseline lists g1 only.
      await resetCursor(db(), OWNER, alice, 'mail:inbox', Date.now());
      await inboxBaseline([['g1', '<m1@x>', recent(3)]]);
      assert.deepEqual(await ownerRows(), {
        g1: { folder: 'inbox', left: false },
        g2: { folder: 'inbox', left: true },
      });
      assert.equal((await subjects()).length, 2, 'the CRM is the record');
    });

    it('detaches a message moved out of the folder, but not one another synced folder now holds', async function () {
      await inboxBaseline([
        ['g1', '<m1@x>', recent(3)],
        ['g2', '<m2@x>', recent(2)],
        ['g3', '<m3@x>', recent(1)],
      ]);
      // g2 moved to an unsynced folder (Deleted Items); g3 moved to sentitems, whose round filed it there.
      await commit(alice, mail(alice, 'g3', '<m3@x>', recent(0.5), 'Hi', 'sentitems'));
      await resetCursor(db(), OWNER, alice, 'mail:inbox', Date.now());
      await inboxBaseline([['g1', '<m1@x>', recent(3)]]);
      assert.deepEqual(await ownerRows(), {
        g1: { folder: 'inbox', left: false },
        g2: { folder: 'inbox', left: true },
        g3: { folder: 'sentitems', left: false },
      });
    });

    it('keeps mail older than the history filter, which a baseline never lists', async function () {
      await commit(alice, mail(alice, 'old', '<old@x>', recent(HISTORY_DAYS + 30), 'Old'));
      await commit(alice, mail(alice, 'undated', '<undated@x>', recent(5), 'Undated'));
      await db()
        .updateTable('mail_items')
        .set({ sent_at: null })
        .where('internet_message_id', '=', '<undated@x>')
        .execute();
      await inboxBaseline([['g1', '<m1@x>', recent(3)]]);
      const rows = await ownerRows();
      assert.equal(rows['old']?.left, false);
      assert.equal(rows['undated']?.left, false);
      assert.equal(rows['g1']?.left, false);
    });

    it('a stop mid-baseline resumes the same generation and still detaches correctly', async function () {
      await inboxBaseline([
        ['g1', '<m1@x>', recent(3)],
        ['g2', '<m2@x>', recent(2)],
        ['g3', '<m3@x>', recent(1)],
      ]);
      await resetCursor(db(), OWNER, alice, 'mail:inbox', Date.now());
      // First page commits (g1), then the worker stops; g3 was deleted meanwhile.
      await baselinePage(
        alice,
        'mail:inbox',
        mail(alice, 'g1', '<m1@x>', recent(3), 'Hi'),
        { first: true, listed: ['g1'], scope: inboxScope() },
        false,
      );
      const stored = await db()
        .selectFrom('sync_cursors')
        .select(['baseline_generation', 'round_complete'])
        .where('account_id', '=', alice)
        .executeTakeFirstOrThrow();
      assert.equal(stored.round_complete, 0);
      assert.deepEqual(await ownerRows(), {
        g1: { folder: 'inbox', left: false },
        g2: { folder: 'inbox', left: false },
        g3: { folder: 'inbox', left: false },
      });
      // A new process resumes from the stored nextLink: the page is not the first, so it keeps the generation.
      await baselinePage(
        alice,
        'mail:inbox',
        mail(alice, 'g2', '<m2@x>', recent(2), 'Hi'),
        { first: false, listed: ['g2'], scope: inboxScope() },
        true,
      );
      const after = await db()
        .selectFrom('sync_cursors')
        .select('baseline_generation')
        .where('account_id', '=', alice)
        .executeTakeFirstOrThrow();
      assert.equal(after.baseline_generation, stored.baseline_generation);
      assert.deepEqual(await ownerRows(), {
        g1: { folder: 'inbox', left: false },
        g2: { folder: 'inbox', left: false },
        g3: { folder: 'inbox', left: true },
      });
    });

    it('keeps a link the baseline lists as skipped, and counts what it detached in the run', async function () {
      await inboxBaseline([
        ['g1', '<m1@x>', recent(3)],
        ['g2', '<m2@x>', recent(2)],
      ]);
      await resetCursor(db(), OWNER, alice, 'mail:inbox', Date.now());
      const runId = await startRun(db(), {
        accountId: alice,
        resource: 'mail:inbox',
        now: Date.now(),
        progressDone: 0,
        progressEstimate: null,
      });
      // g1 is now private (a skip, no owner op) but still in the inbox; g2 is gone.
      await commitPage(db(), {
        owner: OWNER,
        accountId: alice,
        resource: 'mail:inbox',
        ops: [
          {
            kind: 'sync_skip.record',
            accountId: alice,
            resource: 'mail:inbox',
            graphId: 'g1',
            reason: 'private',
            summary: 'marked private',
          },
        ],
        cursor: { link: 'https://graph.example/v1.0/delta', roundComplete: true },
        window: null,
        runId,
        counts: { filed: 0, removed: 0, skipped: { private: 1 }, rejected: 0 },
        now: Date.now(),
        baseline: { first: true, listed: ['g1'], scope: inboxScope() },
      });
      assert.deepEqual(await ownerRows(), {
        g1: { folder: 'inbox', left: false },
        g2: { folder: 'inbox', left: true },
      });
      const run = await db()
        .selectFrom('sync_runs')
        .select('removed')
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      assert.equal(run.removed, 1);
    });

    it('a baseline begun before generations existed neither stamps nor sweeps', async function () {
      await inboxBaseline([
        ['g1', '<m1@x>', recent(3)],
        ['g2', '<m2@x>', recent(2)],
      ]);
      // A mid-baseline cursor written by the previous release: no generation.
      await db()
        .updateTable('sync_cursors')
        .set({ baseline_generation: null, round_complete: 0 })
        .where('account_id', '=', alice)
        .execute();
      await baselinePage(
        alice,
        'mail:inbox',
        mail(alice, 'g1', '<m1@x>', recent(3), 'Hi'),
        { first: false, listed: ['g1'], scope: inboxScope() },
        true,
      );
      assert.equal((await ownerRows())['g2']?.left, false);
    });

    it('does not touch other accounts or an incremental round', async function () {
      await commit(bob, mail(bob, 'b1', '<b1@x>', recent(2), 'Bob'));
      await inboxBaseline([['g1', '<m1@x>', recent(3)]]);
      await commit(alice, mail(alice, 'g2', '<m2@x>', recent(1), 'New'), 'https://graph.example/v1.0/delta2');
      const bobs = await db()
        .selectFrom('mail_item_owners')
        .select('left_at')
        .where('account_id', '=', bob)
        .execute();
      assert.deepEqual(bobs, [{ left_at: null }]);
      assert.equal((await ownerRows())['g2']?.left, false);
    });

    it('an incremental round of several pages is not taken for a baseline', async function () {
      await inboxBaseline([
        ['g1', '<m1@x>', recent(3)],
        ['g2', '<m2@x>', recent(2)],
      ]);
      // From the deltaLink: a first page that hands out a nextLink, then a last page listing one new message.
      await commit(alice, mail(alice, 'g3', '<m3@x>', recent(1), 'New'), 'https://graph.example/v1.0/next2');
      await baselinePage(
        alice,
        'mail:inbox',
        mail(alice, 'g4', '<m4@x>', recent(0.5), 'Newer'),
        { first: false, listed: ['g4'], scope: inboxScope() },
        true,
      );
      assert.deepEqual(
        Object.values(await ownerRows()).map((r) => r.left),
        [false, false, false, false],
      );
    });

    it('diary: detaches unlisted entries inside the new window, keeps those that slid out of it', async function () {
      const day = (d: number, h = 9) => new Date(Date.UTC(2025, 0, d, h)).toISOString();
      const event = (graphEventId: string, uid: string, d: number): StoreOp[] => {
        const key = { tenantId: T, iCalUId: uid, occurrenceStart: day(d) };
        return diary(alice, graphEventId, key, '2024-12-01T00:00:00.000Z', day(d, 10));
      };
      const diaryBaseline = async (events: [string, string, number][], start: number, end: number) => {
        const scope = diaryBaselineScope({ start: day(start, 0), end: day(end, 0) });
        await baselinePage(
          alice,
          'diary',
          events.flatMap(([g, uid, d]) => event(g, uid, d)),
          { first: true, listed: events.map(([g]) => g), scope },
          true,
        );
      };
      const removed = async () =>
        Object.fromEntries(
          (
            await db()
              .selectFrom('diary_item_owners')
              .select(['graph_event_id', 'removed_at'])
              .where('account_id', '=', alice)
              .execute()
          ).map((r) => [r.graph_event_id, r.removed_at !== null]),
        );

      // Window 1–20 January holds e-early (2nd), e-kept (10th) and e-deleted (12th).
      await diaryBaseline(
        [
          ['e-early', 'u-early', 2],
          ['e-kept', 'u-kept', 10],
          ['e-deleted', 'u-deleted', 12],
        ],
        1,
        20,
      );
      // The window moves to 5–25 January; e-deleted was deleted meanwhile, e-early slid out.
      await diaryBaseline([['e-kept', 'u-kept', 10]], 5, 25);
      assert.deepEqual(await removed(), { 'e-early': false, 'e-kept': false, 'e-deleted': true });
      assert.equal(
        (await db().selectFrom('diary_items').selectAll().execute()).length,
        3,
        'the CRM is the record',
      );
    });
  });
});
