import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mountTabSurface } from '../../bot/app/mount-tab.js';
import { parseConfig } from '../../bot/config/config.js';
import { registerCrmDiaryRoutes } from '../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary } from '../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../bot/crm/service-keys.js';
import { createBeforeCommit } from '../../bot/enablement/before-commit.js';
import { userGraph } from '../../bot/enablement/user-graph.js';
import { createCrmEventRemoval } from '../../bot/privacy/crm-event-removal.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import type { ActionResponse } from '#shared/contract.js';
import { DEMO } from '../support/emulator-msal.js';
import { bookInterviewsInOutlook } from '../sync/support/crm-appointments.js';
import {
  connectAccount,
  SCOPES,
  seedContosoCrm,
  startSyncEnv,
  type SyncEnv,
} from '../sync/support/sync-env.js';
import { call } from './fixtures/http.js';
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

/**
 * "Disable and remove" from the tab takes out of the user's Outlook calendar the events Cloud Sync
 * wrote from CRM appointments, as the chat's does, and the tab's answer says how many. Driven over
 * HTTP: the CRM API books two appointments, a sync writes them to Outlook, the tab switches off.
 */
describe('tab "disable and remove" removes the events written from CRM appointments [sqlite]', function () {
  this.timeout(120_000);
  let env: SyncEnv;
  let http: HttpServer;
  let baseUrl: string;
  let alice: string;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    const own = { subject: 'Dentist', organizer: ALICE, startDaysFromNow: 1, time: '08:00' };
    assert.equal(
      (await env.control('PUT', `/mailboxes/${DEMO.alice.id}/seed`, { events: [own] })).status,
      200,
    );
    alice = await connectAccount(env, DEMO.alice);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
    const port = await http.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${port}`;
    registerCrmDiaryRoutes(http.server, {
      db: env.db,
      diary: createStoreCrmDiary(env.db),
      logger: env.logger,
    });
    const graph = {
      store: env.store,
      cipher: env.cipher,
      msal: env.msal,
      graphBaseUrl: env.emu.origin,
      fetch: env.fetch,
      scopes: SCOPES,
    };
    mountTabSurface(http.server, {
      config: parseConfig({
        NODE_ENV: 'test',
        PORT: String(port),
        PUBLIC_URL: baseUrl,
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        M365_AUTHORITY_HOST: env.emu.origin,
        AAD_APP_ID_URI: DEMO.appIdUri,
      }),
      store: env.store,
      logger: env.logger,
      caPem: env.emu.caPem,
      // As the server composes it: the enablement service's own before-commit share.
      beforeCommit: createBeforeCommit({
        logger: env.logger,
        removeCrmEvents: createCrmEventRemoval({
          db: env.db,
          clientFor: (account) => userGraph(graph, account),
        }),
      }),
    });
  });
  after(async function () {
    if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env?.close();
  });

  async function ssoToken(upn: string): Promise<string> {
    const res = await env.fetch(`${env.emu.origin}/_emulator/tokens/teams-sso`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: upn, appId: DEMO.clientId }),
    });
    assert.ok(res.ok, await res.clone().text());
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('the events leave the calendar, the user’s own stays, and the answer counts them', async function () {
    const issued = await issueServiceKey(env.db, CONTOSO);
    assert.ok(issued !== 'unknown_tenant');
    const subjects = await bookInterviewsInOutlook(env, {
      baseUrl,
      serviceKey: issued.key,
      accountId: alice,
      crmIds: ['APT-A', 'APT-B'],
    });
    assert.deepEqual(subjects(), ['Dentist', 'Interview APT-A', 'Interview APT-B']);

    const res = await call(baseUrl, 'POST', '/api/me/disable', {
      token: await ssoToken(ALICE),
      body: { retention: 'purge', confirm: true },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.json as ActionResponse;
    assert.equal(body.state, 'disabled');
    assert.equal(body.calendarEventsRemoved, 2);
    assert.match(
      body.message,
      /The 2 CRM appointments Cloud Sync had put in your Outlook calendar have been removed/,
    );
    assert.deepEqual(subjects(), ['Dentist']);
    const rows = await env.db
      .selectFrom('crm_appointments')
      .select(['crm_id', 'outlook_event_id', 'removed_at'])
      .orderBy('crm_id')
      .execute();
    assert.deepEqual(rows, [
      { crm_id: 'APT-A', outlook_event_id: null, removed_at: null },
      { crm_id: 'APT-B', outlook_event_id: null, removed_at: null },
    ]);
  });
});
