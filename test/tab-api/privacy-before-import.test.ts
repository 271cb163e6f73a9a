import assert from 'node:assert/strict';
import { newId, nowIso, toJsonText } from '../../bot/store/columns.js';
import { call } from './fixtures/http.js';
import { addAccount, addMailItem, CONTOSO } from './fixtures/seed.js';
import { startTabStack, type TabStack } from './fixtures/tab-stack.js';

/**
 * Personal blocklist entries can be set before the first import (from `ready` on),
 * bad entries change nothing, and adding an entry later offers to remove what was already copied from
 * that address and removes exactly that. The demo CRM: Alice is visible (ready), Ben is not.
 */
const ALICE = 'alice.smith@contoso.com';
const BEN = 'ben.jones@contoso.com';
const DAN = 'dan.morgan@contoso.com';

describe('tab API: privacy before the first import', function () {
  let stack: TabStack;
  const tokens: Record<string, string> = {};
  const as = (upn: string, method: string, path: string, body?: unknown) =>
    call(stack.baseUrl, method, path, { token: tokens[upn], body });

  beforeEach(async function () {
    stack = await startTabStack();
    for (const upn of [ALICE, BEN, DAN]) tokens[upn] = await stack.ssoToken(upn);
  });
  afterEach(() => stack.close());

  const accountOfUser = (email: string) =>
    stack.store.db
      .selectFrom('sync_accounts as a')
      .innerJoin('crm_users as u', 'u.id', 'a.crm_user_id')
      .select(['a.id', 'a.state', 'a.personal_blocklist'])
      .where('u.work_email', '=', email)
      .executeTakeFirst();

  async function diaryItem(accountId: string, attendee: string): Promise<string> {
    const id = newId();
    const at = nowIso();
    await stack.store.db
      .insertInto('diary_items')
      .values({
        id,
        tenant_id: CONTOSO,
        ical_uid: `uid-${id}`,
        occurrence_start: at,
        subject: 'Client call',
        start_at: at,
        end_at: at,
        location: null,
        organizer: ALICE,
        attendees: toJsonText([{ address: attendee }]),
        series_master_id: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await stack.store.db
      .insertInto('diary_item_owners')
      .values({ diary_item_id: id, account_id: accountId, graph_event_id: newId() })
      .execute();
    return id;
  }

  it('a user who is ready sets entries before anything is synced; one without Cloud Sync cannot', async function () {
    assert.equal(await accountOfUser(ALICE), undefined);
    const read = await as(ALICE, 'GET', '/api/me/privacy');
    assert.deepEqual(read.json, { blocklist: [], privateMail: 'skip' });
    assert.equal(await accountOfUser(ALICE), undefined, 'reading creates nothing');

    const saved = await as(ALICE, 'PUT', '/api/me/privacy', {
      blocklist: ['hr@contoso.com', '@competitor.example'],
      privateMail: 'skip',
    });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.json.alreadyCopied, {
      entries: ['hr@contoso.com', '@competitor.example'],
      mail: 0,
      diary: 0,
    });
    const account = await accountOfUser(ALICE);
    assert.equal(account?.state, 'ready');
    assert.deepEqual(JSON.parse(account!.personal_blocklist), ['hr@contoso.com', '@competitor.example']);

    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { blocklist: ['x@example.com'], privateMail: 'skip' }],
    ] as const) {
      const res = await as(BEN, method, '/api/me/privacy', body);
      assert.equal(res.status, 409, method);
      assert.match(res.json.message, /made Cloud Sync available to you/);
    }
    assert.equal(await accountOfUser(BEN), undefined);
  });

  it('refuses an entry that is not an address or @domain, changing nothing', async function () {
    for (const entry of ['not an address', 'alice@', '@', 'a@b@c.example']) {
      const res = await as(ALICE, 'PUT', '/api/me/privacy', { blocklist: [entry], privateMail: 'skip' });
      assert.equal(res.status, 400, entry);
      assert.match(res.json.message, /e-mail address \(name@example\.com\) or a domain/);
    }
    assert.equal(await accountOfUser(ALICE), undefined);
  });

  it('adding an entry later offers to remove what was already copied from it, and removes exactly that', async function () {
    await as(ALICE, 'PUT', '/api/me/privacy', { blocklist: [], privateMail: 'skip' });
    const alice = (await accountOfUser(ALICE))!.id;
    const dan = await addAccount(stack.store, DAN, 'active');
    // What an earlier import copied: two e-mails from Priya (one also in Dan's mailbox), a call with Tom.
    const aliceOnly = await addMailItem(stack.store, CONTOSO, [alice]);
    const shared = await addMailItem(stack.store, CONTOSO, [alice, dan]);
    const call1 = await diaryItem(alice, 'tom.becker@northwind.example');
    const other = await diaryItem(alice, 'sofia.rossi@example.org');

    const saved = await as(ALICE, 'PUT', '/api/me/privacy', {
      blocklist: ['priya.patel@example.com', '@northwind.example'],
      privateMail: 'skip',
    });
    assert.deepEqual(saved.json.alreadyCopied, {
      entries: ['priya.patel@example.com', '@northwind.example'],
      mail: 2,
      diary: 1,
    });
    const again = await as(ALICE, 'PUT', '/api/me/privacy', {
      blocklist: ['priya.patel@example.com', '@northwind.example'],
      privateMail: 'skip',
    });
    assert.deepEqual(
      again.json.alreadyCopied,
      { entries: [], mail: 0, diary: 0 },
      'only new entries are offered',
    );

    const unlisted = await as(ALICE, 'POST', '/api/me/privacy/remove-copied', {
      entries: ['sofia.rossi@example.org'],
    });
    assert.equal(unlisted.status, 400);
    assert.match(unlisted.json.message, /Nothing was changed/);
    const bad = await as(ALICE, 'POST', '/api/me/privacy/remove-copied', { entries: ['nonsense'] });
    assert.equal(bad.status, 400);
    assert.equal((await stack.store.db.selectFrom('diary_items').select('id').execute()).length, 2);

    const removed = await as(ALICE, 'POST', '/api/me/privacy/remove-copied', {
      entries: ['priya.patel@example.com', '@northwind.example'],
    });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.json, { removed: { mail: 2, diary: 1 } });
    const mail = await stack.store.db.selectFrom('mail_items').select('id').execute();
    assert.deepEqual(
      mail.map((m) => m.id),
      [shared],
      "Dan's copy stays: it is his record too",
    );
    assert.notEqual(aliceOnly, shared);
    const owners = await stack.store.db.selectFrom('mail_item_owners').select('account_id').execute();
    assert.deepEqual(owners, [{ account_id: dan }]);
    const diary = await stack.store.db.selectFrom('diary_items').select('id').execute();
    assert.deepEqual(
      diary.map((d) => d.id),
      [other],
    );
    assert.notEqual(call1, other);
    const audit = await stack.store.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'privacy_removed_copied')
      .executeTakeFirstOrThrow();
    assert.match(audit.reason ?? '', /removed 2 e-mails and 1 appointments/);
  });
});
