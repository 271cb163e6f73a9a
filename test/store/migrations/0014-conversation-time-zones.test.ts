import assert from 'node:assert/strict';
import type { ConversationReference } from 'botbuilder';
import { Migrator } from 'kysely';
import { migrationProvider } from '../../../bot/store/migrations/index.js';
import { personalTimeZone, saveReference } from '../../../bot/teams/conversation-refs-store.js';
import { DIALECTS, openTestStore, type TestStore } from '../../support/postgres.js';

const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const reference = (aadObjectId: string): Partial<ConversationReference> => ({
  conversation: {
    id: `a:${aadObjectId}`,
    conversationType: 'personal',
    tenantId: TENANT,
    isGroup: false,
    name: '',
  },
  user: { id: `29:${aadObjectId}`, name: 'A', aadObjectId },
});

for (const dialect of DIALECTS) {
  describe(`migration 0014: conversation time zones [${dialect}]`, function () {
    let fixture: TestStore;
    beforeEach(async function () {
      fixture = await openTestStore(dialect);
    });
    afterEach(async function () {
      await fixture.dispose();
    });

    it('keeps the chats stored before it, without a zone until their next turn carries one', async function () {
      const db = fixture.store.db;
      const migrator = new Migrator({ db, provider: migrationProvider });
      assert.equal((await migrator.migrateTo('0013-subscription-changes')).error, undefined);
      // A chat stored by the release before: the table has no zone column yet.
      await db
        .insertInto('conversation_refs')
        .values({
          key: 'old',
          tenant_id: TENANT,
          kind: 'personal',
          aad_object_id: 'u1',
          reference: JSON.stringify(reference('u1')),
          updated_at: new Date().toISOString(),
        } as never)
        .execute();

      assert.equal((await fixture.store.migrate())[0], '0014-conversation-time-zones');
      assert.equal(await personalTimeZone(db, TENANT, { aadObjectId: 'u1' }), undefined);

      await saveReference(db, 'old', reference('u1'), { overwrite: true, timeZone: 'Pacific/Auckland' });
      assert.equal(await personalTimeZone(db, TENANT, { aadObjectId: 'u1' }), 'Pacific/Auckland');
      // A later turn without a zone (or teamsfx's own write of the reference) keeps the one recorded.
      await saveReference(db, 'old', reference('u1'), { overwrite: true });
      assert.equal(await personalTimeZone(db, TENANT, { aadObjectId: 'u1' }), 'Pacific/Auckland');
      await saveReference(db, 'old', reference('u1'), { overwrite: true, timeZone: 'Europe/London' });
      assert.equal(await personalTimeZone(db, TENANT, { aadObjectId: 'u1' }), 'Europe/London');
    });
  });
}
