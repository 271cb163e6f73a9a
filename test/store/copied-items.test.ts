import assert from 'node:assert/strict';
import { newId, nowIso } from '../../bot/store/columns.js';
import { releaseCopiedItems } from '../../bot/store/copied-items.js';
import { forEachDialect } from '../support/postgres.js';
import { CONTOSO, seedAccount, seedTenant } from '../sync/support/accounts.js';

forEachDialect('releasing copied items', (suite) => {
  let alice: string;
  let dan: string;
  const db = () => suite.store.db;

  before(async function () {
    await seedTenant(suite.store);
    alice = (await seedAccount(suite.store, { tenantId: CONTOSO.id, email: 'alice.smith@contoso.com' }))
      .accountId;
    dan = (await seedAccount(suite.store, { tenantId: CONTOSO.id, email: 'dan.morgan@contoso.com' }))
      .accountId;
  });

  async function mail(owners: string[]): Promise<string> {
    const id = newId();
    const at = nowIso();
    await db()
      .insertInto('mail_items')
      .values({
        id,
        tenant_id: CONTOSO.id,
        internet_message_id: `<${id}@contoso.com>`,
        subject: null,
        sent_at: at,
        from_address: null,
        sensitivity: 'normal',
        created_at: at,
        updated_at: at,
      })
      .execute();
    for (const account of owners) {
      await db()
        .insertInto('mail_item_owners')
        .values({
          mail_item_id: id,
          account_id: account,
          graph_message_id: newId(),
          folder: 'inbox',
          direction: 'received',
        })
        .execute();
    }
    return id;
  }

  async function diary(owners: string[]): Promise<string> {
    const id = newId();
    const at = nowIso();
    await db()
      .insertInto('diary_items')
      .values({
        id,
        tenant_id: CONTOSO.id,
        ical_uid: id,
        occurrence_start: at,
        subject: null,
        start_at: at,
        end_at: at,
        location: null,
        organizer: null,
        series_master_id: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    for (const account of owners) {
      await db()
        .insertInto('diary_item_owners')
        .values({ diary_item_id: id, account_id: account, graph_event_id: newId() })
        .execute();
    }
    return id;
  }

  const mailIds = async () =>
    (await db().selectFrom('mail_items').select('id').execute()).map((r) => r.id).sort();
  const diaryIds = async () =>
    (await db().selectFrom('diary_items').select('id').execute()).map((r) => r.id).sort();
  const held = async (account: string) =>
    (
      await db()
        .selectFrom('mail_item_owners')
        .select('mail_item_id')
        .where('account_id', '=', account)
        .execute()
    ).length;

  it('releases the named items: an item only this account held goes, one another recruiter holds stays theirs', async function () {
    const onlyAlice = await mail([alice]);
    const shared = await mail([alice, dan]);
    const untouched = await mail([alice]);
    await db()
      .transaction()
      .execute((trx) =>
        releaseCopiedItems(trx, { id: alice, tenantId: CONTOSO.id }, 'mail', [onlyAlice, shared]),
      );
    assert.deepEqual(await mailIds(), [shared, untouched].sort());
    assert.equal(await held(alice), 1, 'Alice keeps only the item that was not named');
    assert.equal(await held(dan), 1);
  });

  it('releases every item of one kind when no ids are named, and leaves the other kind alone', async function () {
    const before = await mailIds();
    await diary([alice]);
    const shared = await diary([alice, dan]);
    await db()
      .transaction()
      .execute((trx) => releaseCopiedItems(trx, { id: alice, tenantId: CONTOSO.id }, 'diary'));
    assert.deepEqual(await diaryIds(), [shared]);
    assert.deepEqual(await mailIds(), before);
  });
});
