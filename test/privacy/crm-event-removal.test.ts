import assert from 'node:assert/strict';
import { registerCrmDiaryRoutes } from '../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary } from '../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../bot/crm/service-keys.js';
import { userGraph } from '../../bot/enablement/user-graph.js';
import { createCrmEventRemoval } from '../../bot/privacy/crm-event-removal.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { syncAccount } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { buildDisableReceiptCard } from '../../bot/cards/user-cards.js';
import { DEMO } from '../support/emulator-msal.js';
import { call } from '../tab-api/fixtures/http.js';
import { CONTOSO } from '../sync/support/accounts.js';
import {
  connectAccount,
  SCOPES,
  seedContosoCrm,
  startSyncEnv,
  testSettings,
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
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(9, 0, 0, 0);
    for (const crmId of ['APT-A', 'APT-B']) {
      const res = await call(baseUrl, 'PUT', `/api/crm/diary/${crmId}`, {
        token: issued.key,
        body: {
          owner: DEMO.alice.username,
          subject: `Interview ${crmId}`,
          start: start.toISOString(),
          end: new Date(start.getTime() + 3_600_000).toISOString(),
          timeZone: 'Europe/London',
        },
      });
      assert.equal(res.status, 201, res.text);
    }
    assert.equal(
      await claimAccount(env.db, alice, { owner: 'test', leaseMs: 60_000, now: Date.now() }),
      true,
    );
    const run = await syncAccount(
      {
        db: env.db,
        owner: 'test',
        graphBaseUrl: env.emu.origin,
        fetch: env.fetch,
        limiter: new MailboxLimiter(4),
        tokens: env.tokens,
        settings: testSettings({ mailFolders: [] }),
        subscriptions: null,
        logger: env.logger,
        now: () => Date.now(),
        random: Math.random,
      },
      alice,
      () => false,
    );
    assert.equal(run.outcome, 'completed');
    const subjects = () =>
      [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()].map((e) => e.fields.subject).sort();
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
      buildDisableReceiptCard({ retention: 'purge', at: new Date(), calendarEventsRemoved: 2 }),
    );
    assert.match(
      receipt,
      /The 2 CRM appointments Cloud Sync had put in your Outlook calendar have been removed from it/,
    );
    const none = JSON.stringify(
      buildDisableReceiptCard({ retention: 'purge', at: new Date(), calendarEventsRemoved: 0 }),
    );
    assert.doesNotMatch(none, /Outlook calendar/);
  });
});
