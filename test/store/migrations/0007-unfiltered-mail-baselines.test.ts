import assert from 'node:assert/strict';
import { Migrator, type Kysely } from 'kysely';
import { newId, nowIso } from '../../../bot/store/columns.js';
import { migrationProvider } from '../../../bot/store/migrations/index.js';
import type { Database } from '../../../bot/store/schema.js';
import { DIALECTS, openTestStore, type TestStore } from '../../support/postgres.js';

/** An account with a mail and a diary cursor, as a deployment from before 0007 has them. */
async function accountWithCursors(db: Kysely<Database>): Promise<string> {
  const at = nowIso();
  const tenant = newId();
  const user = newId();
  const account = newId();
  await db.insertInto('tenants').values({ id: tenant, name: 'T', created_at: at, updated_at: at }).execute();
  await db
    .insertInto('crm_users')
    .values({
      id: user,
      tenant_id: tenant,
      work_email: 'u@contoso.com',
      display_name: 'U',
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .insertInto('sync_accounts')
    .values({
      id: account,
      tenant_id: tenant,
      crm_user_id: user,
      state: 'ready',
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const resource of ['mail:inbox', 'mail:sentitems', 'diary'])
    await db
      .insertInto('sync_cursors')
      .values({
        account_id: account,
        resource,
        delta_link: `https://graph.example/v1.0/${resource}?$deltatoken=1`,
        updated_at: at,
      })
      .execute();
  return account;
}

for (const dialect of DIALECTS) {
  describe(`migration 0007: unfiltered mail baselines [${dialect}]`, function () {
    let fixture: TestStore;
    beforeEach(async function () {
      fixture = await openTestStore(dialect);
    });
    afterEach(async function () {
      await fixture.dispose();
    });

    it('drops the mail cursors of filtered rounds so each folder re-imports whole, and keeps the diary cursor', async function () {
      const db = fixture.store.db;
      const migrator = new Migrator({ db, provider: migrationProvider });
      const before = await migrator.migrateTo('0006-used-link-states');
      assert.equal(before.error, undefined);
      const account = await accountWithCursors(db);

      // Later migrations follow it; this one must come first.
      assert.equal((await fixture.store.migrate())[0], '0007-unfiltered-mail-baselines');
      const left = await db
        .selectFrom('sync_cursors')
        .select('resource')
        .where('account_id', '=', account)
        .execute();
      assert.deepEqual(
        left.map((r) => r.resource),
        ['diary'],
      );
    });
  });
}
