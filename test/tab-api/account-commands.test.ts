import assert from 'node:assert/strict';
import { bindTeamsUser, crmUserById } from '../../bot/crm/crm-directory.js';
import type { EnablementEvent } from '../../bot/enablement/core/states.js';
import { applyStep } from '../../bot/enablement/enablement-runner.js';
import { createStore, type Store } from '../../bot/store/store.js';
import { createAccountCommands, type TabEvent } from '../../bot/tab-api/account-commands.js';
import type { Principal } from '../../bot/tab-api/caller/principal.js';
import { addAccount, CONTOSO, crmUserId, importDemoCrm } from './fixtures/seed.js';

const ALICE = 'alice.smith@contoso.com';
const ERIN = 'erin.lee@fabrikam.com';
// docs/demo-identities.md
const ALICE_OID = 'a1000000-0000-4000-8000-000000000001';
const ERIN_OID = 'b2000000-0000-4000-8000-000000000001';

/**
 * The tab and the chat commit an enablement step through one path: the same step leaves the same
 * state and the same state reason whichever surface took it. The reasons are the plain words the
 * product shows for each step ("pause Cloud Sync", "switched off, data purged").
 */
describe('tab account commands (bot/tab-api/account-commands.ts) and the chat commit a step alike', function () {
  let store: Store;

  beforeEach(async function () {
    store = createStore({ sqlitePath: ':memory:' });
    await store.migrate();
    await importDemoCrm(store);
  });

  afterEach(async function () {
    await store.close();
  });

  const stateOf = (id: string) =>
    store.db
      .selectFrom('sync_accounts')
      .select(['state', 'state_reason', 'next_run_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  async function viaTab(email: string, oid: string, events: TabEvent[]): Promise<string> {
    const id = await addAccount(store, email, 'active');
    const crmId = await crmUserId(store, email);
    const principal: Principal = {
      tenantId: CONTOSO,
      tenantName: 'Contoso',
      objectId: oid,
      email,
      crmUser: { id: crmId, displayName: email, workEmail: email, isAdmin: false },
      crmAdmin: false,
      itAdmin: false,
    };
    const commands = createAccountCommands({ store });
    for (const event of events) await commands.apply(principal, event);
    return id;
  }

  async function viaChat(email: string, oid: string, events: EnablementEvent[]): Promise<string> {
    const id = await addAccount(store, email, 'active');
    // The bot binds a person's Teams object id to their CRM user when they first write to it.
    const user = await crmUserById(store.db, await crmUserId(store, email));
    assert.ok(user && (await bindTeamsUser(store.db, user, oid)));
    for (const event of events) {
      const result = await applyStep(
        store,
        id,
        event,
        { kind: 'person', aadObjectId: oid, crmAdmin: false, itAdmin: false },
        { auditActor: user.id },
      );
      assert.ok(result.ok, result.ok ? '' : result.error);
    }
    return id;
  }

  const cases: { name: string; events: TabEvent[]; state: string; reason: string }[] = [
    { name: 'pause', events: [{ type: 'pause' }], state: 'paused', reason: 'pause Cloud Sync' },
    {
      name: 'pause then resume',
      events: [{ type: 'pause' }, { type: 'resume' }],
      state: 'active',
      reason: 'resume Cloud Sync',
    },
    {
      name: 'switch off and delete the copies',
      events: [{ type: 'disable', retention: 'purge' }],
      state: 'disabled',
      reason: 'switched off, data purged',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the same state and state reason from the tab and from the chat`, async function () {
      const tab = await stateOf(await viaTab(ALICE, ALICE_OID, c.events));
      const chat = await stateOf(await viaChat(ERIN, ERIN_OID, c.events));
      assert.equal(tab.state, c.state);
      assert.equal(tab.state_reason, c.reason);
      assert.equal(chat.state, tab.state);
      assert.equal(chat.state_reason, tab.state_reason);
    });
  }

  it('a step the state does not allow is refused by the tab with 409 and the state machine’s words', async function () {
    const id = await viaTab(ALICE, ALICE_OID, [{ type: 'pause' }]);
    const before = await stateOf(id);
    const crmId = await crmUserId(store, ALICE);
    const commands = createAccountCommands({ store });
    await assert.rejects(
      commands.apply(
        {
          tenantId: CONTOSO,
          tenantName: 'Contoso',
          objectId: ALICE_OID,
          email: ALICE,
          crmUser: { id: crmId, displayName: ALICE, workEmail: ALICE, isAdmin: false },
          crmAdmin: false,
          itAdmin: false,
        },
        { type: 'pause' },
      ),
      (err: { status?: number; code?: string; message?: string }) =>
        err.status === 409 &&
        err.code === 'not_allowed_now' &&
        /Cloud Sync is paused/.test(err.message ?? ''),
    );
    assert.deepEqual(await stateOf(id), before);
  });
});
