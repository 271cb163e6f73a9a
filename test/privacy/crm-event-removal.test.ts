import assert from 'node:assert/strict';
import { registerCrmDiaryRoutes } from '../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary } from '../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../bot/crm/service-keys.js';
import { userGraph } from '../../bot/enablement/user-graph.js';
import { createCrmEventRemoval } from '../../bot/privacy/crm-event-removal.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { buildDisableReceiptCard } from '../../bot/cards/user-cards.js';
import { DEMO } from '../support/emulator-msal.js';
import { bookInterviewsInOutlook } from '../sync/support/crm-appointments.js';
import { CONTOSO } from '../sync/support/accounts.js';
import {
  connectAccount,
  SCOPES,
  seedContosoCrm,
  startSyncEnv,
  type SyncEnv,
} from '../sync/support/sync-env.js';

/**
 * "Disable and remove": the events Cloud Sync wrote from CRM appointments leave the user's Outlook
 * calendar (events the user made stay), the appointments stay in the CRM, and the receipt says how many.
 */
describe('removing the events written from CRM appointments [sqlite]', function () {
  this.timeout(120_000);
  let env: SyncEnv;
  let http: HttpServer;
  let alice: string;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    const own = {
      subject: 'Dentist',
      organizer: 'alice.smith@contoso.com',
      startDaysFromNow: 1,
      time: '08:00',
    };
    assert.equal(
      (await env.control('PUT', `/mailboxes/${DEMO.alice.id}/seed`, { events: [own] })).status,
      200,
    );
    alice = await connectAccount(env, DEMO.alice);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
    registerCrmDiaryRoutes(http.server, {
      db: env.db,
      diary: createStoreCrmDiary(env.db),
      logger: env.logger,
    });
  });
  after(async function () {
    if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env?.close();
  });

  it('takes our events out of the calendar, keeps the user’s own, and counts them', async function () {
    const issued = await issueServiceKey(env.db, CONTOSO.id);
    assert.ok(issued !== 'unknown_tenant');
    const baseUrl = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
    const subjects = await bookInterviewsInOutlook(env, {
      baseUrl,
      serviceKey: issued.key,
      accountId: alice,
      crmIds: ['APT-A', 'APT-B'],
    });
    assert.deepEqual(subjects(), ['Dentist', 'Interview APT-A', 'Interview APT-B']);

    const remove = createCrmEventRemoval({
      db: env.db,
      clientFor: (account) =>
        userGraph(
          {
            store: env.store,
            cipher: env.cipher,
            msal: env.msal,
            graphBaseUrl: env.emu.origin,
            fetch: env.fetch,
            scopes: SCOPES,
          },
          account,
        ),
    });
    assert.equal(await remove(alice), 2);
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
    assert.equal(await remove(alice), 0, 'nothing left to remove');

    const receipt = JSON.stringify(
      buildDisableReceiptCard({
        retention: 'purge',
        at: new Date(),
        timeZone: 'UTC',
        calendarEventsRemoved: 2,
      }),
    );
    assert.match(
      receipt,
      /The 2 CRM appointments Cloud Sync had put in your Outlook calendar have been removed from it/,
    );
    const none = JSON.stringify(
      buildDisableReceiptCard({
        retention: 'purge',
        at: new Date(),
        timeZone: 'UTC',
        calendarEventsRemoved: 0,
      }),
    );
    assert.doesNotMatch(none, /Outlook calendar/);
  });
});
