import assert from 'node:assert/strict';
import type { KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';
import {
  personalReference,
  personalReferenceByEmail,
  personalTimeZone,
  referenceByKey,
  saveReference,
  StoreConversationReferences,
  timeZoneByKey,
} from '../../bot/teams/conversation-refs-store.js';
import { importDemoCrm } from '../tab-api/fixtures/seed.js';
import { forEachDialect } from '../support/postgres.js';

const CONTOSO = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';

const personal = (user: string, serviceUrl = 'http://127.0.0.1:1/') => ({
  bot: { id: '28:bot', name: 'Cloud Sync' },
  user: { id: `29:${user}`, name: user, aadObjectId: `oid-${user}` },
  conversation: {
    id: `a:${user}`,
    conversationType: 'personal',
    tenantId: CONTOSO,
    isGroup: false,
    name: '',
  },
  channelId: 'msteams',
  serviceUrl,
});

forEachDialect('bot conversation reference store', (suite) => {
  before(() => importDemoCrm(suite.store));

  it('adds without overwriting unless asked, finds a user’s personal chat, lists by page and removes', async () => {
    const refs = new StoreConversationReferences(suite.store.db);
    assert.equal(await refs.add('_t_a', personal('alice'), { overwrite: false }), true);
    assert.equal(
      await refs.add('_t_a', personal('alice', 'http://127.0.0.1:2/'), { overwrite: false }),
      false,
    );
    assert.equal((await referenceByKey(suite.store.db, '_t_a'))?.serviceUrl, 'http://127.0.0.1:1/');
    assert.equal(await refs.add('_t_a', personal('alice', 'http://127.0.0.1:2/'), { overwrite: true }), true);
    assert.equal(
      (await personalReference(suite.store.db, CONTOSO, 'oid-alice'))?.serviceUrl,
      'http://127.0.0.1:2/',
    );
    assert.equal(await personalReference(suite.store.db, CONTOSO, 'oid-nobody'), undefined);

    await refs.add('_t_b', personal('ben'), { overwrite: false });
    await refs.add('_t_c', personal('carol'), { overwrite: false });
    const first = await refs.list(2);
    assert.equal(first.data.length, 2);
    assert.ok(first.continuationToken);
    const second = await refs.list(2, first.continuationToken);
    assert.deepEqual(
      second.data.map((r) => r.user?.name),
      ['carol'],
    );
    assert.equal(second.continuationToken, undefined);

    assert.equal(await refs.remove('_t_b'), true);
    assert.equal(await refs.remove('_t_b'), false);
  });

  it('finds a personal chat by the address Teams gave for its user, case-insensitively', async () => {
    const refs = new StoreConversationReferences(suite.store.db);
    const withEmail = {
      ...personal('erin'),
      user: { ...personal('erin').user, email: 'Erin.Lee@Fabrikam.com' },
    };
    await refs.add('_t_e', withEmail, { overwrite: true });
    assert.equal(
      (await personalReferenceByEmail(suite.store.db, CONTOSO, 'erin.lee@fabrikam.com'))?.user?.name,
      'erin',
    );
    assert.equal(await personalReferenceByEmail(suite.store.db, CONTOSO, 'nobody@fabrikam.com'), undefined);
    assert.equal(
      await personalReferenceByEmail(suite.store.db, 'another-tenant', 'erin.lee@fabrikam.com'),
      undefined,
    );
  });

  it("stores a chat's reference once for its turns in a row, and again when it changes or was removed", async () => {
    // Statements as the database runs them (each one's result passes through this plugin).
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        statements += 1;
        return args.result;
      },
    };
    const db = suite.store.db.withPlugin(counting);
    const refs = new StoreConversationReferences(db);
    const turn = (activityId: string, serviceUrl?: string) => ({
      ...personal('fay', serviceUrl),
      activityId,
    });
    const writes = async (step: () => Promise<unknown>) => {
      const before = statements;
      await step();
      return statements - before;
    };

    // A turn: teamsfx's insert-if-absent, then the bot's upsert with the user's address.
    assert.equal(await writes(() => refs.add('_t_f', turn('m1'), { overwrite: false })), 1);
    assert.equal(await writes(() => refs.add('_t_f', turn('m1'), { overwrite: true })), 1);
    // The next turns in the same chat: only their message differs, nothing is written.
    assert.equal(await writes(() => refs.add('_t_f', turn('m2'), { overwrite: false })), 0);
    assert.equal(await writes(() => refs.add('_t_f', turn('m2'), { overwrite: true })), 0);
    // Teams moved the chat to another service URL: stored at once.
    assert.equal(
      await writes(() => refs.add('_t_f', turn('m3', 'http://127.0.0.1:3/'), { overwrite: true })),
      1,
    );
    assert.equal((await referenceByKey(db, '_t_f'))?.serviceUrl, 'http://127.0.0.1:3/');
    // A time zone the turn carried is stored too.
    assert.equal(
      await writes(() =>
        saveReference(db, '_t_f', turn('m4', 'http://127.0.0.1:3/'), {
          overwrite: true,
          timeZone: 'Europe/London',
        }),
      ),
      1,
    );
    assert.equal(await timeZoneByKey(db, '_t_f'), 'Europe/London');
    // Removed: the next turn's insert-if-absent puts it back.
    await refs.remove('_t_f');
    assert.equal(await refs.add('_t_f', turn('m5'), { overwrite: false }), true);
    assert.equal((await referenceByKey(db, '_t_f'))?.serviceUrl, 'http://127.0.0.1:1/');
  });

  it("finds a person's zone from their own chat, by a query built once, and by address when not bound", async () => {
    // Queries built (a built query passes its tree through the plugin) and rows each statement read.
    let built = 0;
    const rowsRead: number[] = [];
    const watching: KyselyPlugin = {
      transformQuery: (args) => {
        built += 1;
        return args.node;
      },
      transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        rowsRead.push(args.result.rows.length);
        return args.result;
      },
    };
    const zones = { gail: 'Asia/Tokyo', hugo: 'America/Chicago', iris: 'Europe/Paris' };
    for (const [user, timeZone] of Object.entries(zones)) {
      const withEmail = { ...personal(user), user: { ...personal(user).user, email: `${user}@contoso.com` } };
      await saveReference(suite.store.db, `_t_${user}`, withEmail, { overwrite: true, timeZone });
    }
    const db = suite.store.db.withPlugin(watching);

    assert.equal(await personalTimeZone(db, CONTOSO, { aadObjectId: 'oid-hugo' }), 'America/Chicago');
    assert.equal(await personalTimeZone(db, CONTOSO, { aadObjectId: 'oid-gail' }), 'Asia/Tokyo');
    assert.equal(built, 1, 'the second turn runs the query compiled for the first');
    assert.deepEqual(rowsRead, [1, 1], "each reads the person's own chat, not the organisation's");

    // Not bound to an object id yet: found by the address Teams gave; unknown people have no zone.
    assert.equal(
      await personalTimeZone(db, CONTOSO, { aadObjectId: null, email: 'IRIS@contoso.com' }),
      'Europe/Paris',
    );
    assert.equal(await personalTimeZone(db, CONTOSO, { aadObjectId: 'oid-nobody' }), undefined);
    assert.equal(await personalTimeZone(db, 'another-tenant', { aadObjectId: 'oid-hugo' }), undefined);
  });

  it('ignores references without a tenant or conversation type', async () => {
    const refs = new StoreConversationReferences(suite.store.db);
    const noTenant = {
      ...personal('dan'),
      conversation: { id: 'a:dan', conversationType: 'personal', isGroup: false, name: '' },
    };
    assert.equal(await refs.add('_x', noTenant as never, { overwrite: true }), false);
  });
});
