import assert from 'node:assert/strict';
import {
  personalReference,
  personalReferenceByEmail,
  referenceByKey,
  StoreConversationReferences,
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

  it('ignores references without a tenant or conversation type', async () => {
    const refs = new StoreConversationReferences(suite.store.db);
    const noTenant = {
      ...personal('dan'),
      conversation: { id: 'a:dan', conversationType: 'personal', isGroup: false, name: '' },
    };
    assert.equal(await refs.add('_x', noTenant as never, { overwrite: true }), false);
  });
});
