import assert from 'node:assert/strict';
import { registerCrmDiaryRoutes } from '../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary } from '../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../bot/crm/service-keys.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { syncAccount, type AccountSyncDeps } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { switchResource } from '../../bot/sync/resource-switches.js';
import type { EventRecord } from '../../emulator/graph/calendar-store.js';
import { DEMO } from '../support/emulator-msal.js';
import { DIALECTS } from '../support/postgres.js';
import { call } from '../tab-api/fixtures/http.js';
import { waitFor } from './support/wait.js';
import { killAll, spawnWorker, workerEnvironment, type WorkerProcess } from './support/worker-process.js';
import { CONTOSO } from './support/accounts.js';
import {
  connectAccount,
  seedContosoCrm,
  startSyncEnv,
  testSettings,
  type SyncEnv,
} from './support/sync-env.js';

/**
 * CRM appointments in the owner's Outlook calendar and back, with the real worker and Graph client
 * against the emulator: the CRM books through its API, the worker runs, and the test looks at what the
 * recruiter's calendar (the emulator's mailbox) and the CRM then hold. Expected values come from the
 * bookings the test makes and the rules in bot/crm/README.md and the README's conflict rule.
 */

const OWNER = 'test-worker';
const DAY = 86_400_000;

/** Returns once the clock has passed `iso`, so the next change is strictly later by timestamp. */
async function laterThan(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await new Promise((resolve) => setImmediate(resolve));
}

function at(daysFromNow: number, hour: number): string {
  const d = new Date(Date.now() + daysFromNow * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

for (const dialect of DIALECTS) {
  describe(`CRM appointments written to Outlook and kept in step [${dialect}]`, function () {
    this.timeout(120_000);
    let env: SyncEnv;
    let http: HttpServer;
    let baseUrl: string;
    let key: string;
    let alice: string;

    const interview = {
      owner: DEMO.alice.username,
      subject: 'Interview: Priya Patel',
      start: at(2, 9),
      end: at(2, 10),
      timeZone: 'Europe/London',
      location: 'Room 2',
      attendees: [{ address: 'priya.patel@example.com', name: 'Priya Patel' }],
      inviteAttendees: true,
      notes: 'Bring the portfolio.',
    };

    const crm = (method: string, crmId: string, body?: unknown) =>
      call(baseUrl, method, `/api/crm/diary/${crmId}`, { token: key, body });

    async function syncOnce() {
      const now = Date.now();
      assert.equal(await claimAccount(env.db, alice, { owner: OWNER, leaseMs: 60_000, now }), true);
      const deps: AccountSyncDeps = {
        db: env.db,
        owner: OWNER,
        graphBaseUrl: env.emu.origin,
        fetch: env.fetch,
        limiter: new MailboxLimiter(4),
        tokens: env.tokens,
        settings: testSettings({ mailFolders: [] }),
        subscriptions: null,
        logger: env.logger,
        now: () => Date.now(),
        random: Math.random,
      };
      const result = await syncAccount(deps, alice, () => false);
      assert.equal(result.outcome, 'completed', JSON.stringify(result));
    }

    /** Alice's calendar as Outlook holds it. */
    const calendar = (): EventRecord[] => [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()];
    const eventsNamed = (subject: string) => calendar().filter((e) => e.fields.subject === subject);
    const appointment = (crmId: string) =>
      env.db
        .selectFrom('crm_appointments')
        .selectAll()
        .where('tenant_id', '=', CONTOSO.id)
        .where('crm_id', '=', crmId)
        .executeTakeFirstOrThrow();
    const diaryItems = () => env.db.selectFrom('diary_items').select(['subject']).execute();
    const history = async (crmId: string) =>
      (
        await env.db
          .selectFrom('crm_appointment_history')
          .select(['change', 'source'])
          .where('appointment_id', '=', (await appointment(crmId)).id)
          .orderBy('at')
          .orderBy('version')
          .execute()
      ).map((h) => `${h.source}:${h.change}`);

    before(async function () {
      env = await startSyncEnv(dialect);
      await seedContosoCrm(env.store);
      const seeded = await env.control('PUT', `/mailboxes/${DEMO.alice.id}/seed`, { events: [] });
      assert.equal(seeded.status, 200);
      alice = await connectAccount(env, DEMO.alice);
      const issued = await issueServiceKey(env.db, CONTOSO.id);
      assert.ok(issued !== 'unknown_tenant');
      key = issued.key;
      http = createHttpServer({ logger: env.logger, healthChecks: [] });
      registerCrmDiaryRoutes(http.server, {
        db: env.db,
        diary: createStoreCrmDiary(env.db),
        logger: env.logger,
      });
      baseUrl = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
    });
    after(async function () {
      if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
      await env?.close();
    });

    it('round trip: created in the CRM → in Outlook → moved in Outlook → moved in the CRM → removed in the CRM → gone', async function () {
      // Created in the CRM: one event in Alice's calendar with the booking's content.
      assert.equal((await crm('PUT', 'APT-1', interview)).status, 201);
      await syncOnce();
      const [written, ...more] = eventsNamed(interview.subject);
      assert.ok(written, 'the appointment is in Outlook');
      assert.equal(more.length, 0);
      assert.equal(new Date(written.startMs).toISOString(), interview.start);
      assert.equal(new Date(written.endMs).toISOString(), interview.end);
      assert.equal(written.fields.location?.displayName, 'Room 2');
      assert.equal(written.fields.body?.content, 'Bring the portfolio.');
      assert.deepEqual(
        written.fields.attendees?.map((a) => a.emailAddress?.address),
        ['priya.patel@example.com'],
      );
      assert.ok(written.transactionId, 'created with a transactionId');
      const stored = await appointment('APT-1');
      assert.equal(stored.outlook_ical_uid, written.iCalUId);
      assert.equal(stored.outlook_written_version, stored.version);

      // The next round reads the event back: not a new diary entry, and no change to the appointment.
      const versionBefore = stored.version;
      await syncOnce();
      assert.deepEqual(await diaryItems(), [], 'our own event is never filed as a diary entry');
      assert.equal((await appointment('APT-1')).version, versionBefore, 'our own write does not echo back');
      assert.equal(eventsNamed(interview.subject).length, 1);

      // Moved in Outlook: the appointment follows.
      const movedStart = Date.parse(at(3, 14));
      const moved = await env.control(
        'PATCH',
        `/mailboxes/${DEMO.alice.id}/events/${env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.ids(written).regular}`,
        {
          start: new Date(movedStart).toISOString(),
          durationMinutes: 60,
        },
      );
      assert.equal(moved.status, 200, await moved.text());
      await syncOnce();
      const afterOutlookMove = await appointment('APT-1');
      assert.equal(afterOutlookMove.start_at, new Date(movedStart).toISOString());
      assert.equal(afterOutlookMove.end_at, new Date(movedStart + 3_600_000).toISOString());
      assert.equal(afterOutlookMove.notes, 'Bring the portfolio.', 'what Outlook did not change stays');
      await syncOnce();
      assert.equal((await appointment('APT-1')).version, afterOutlookMove.version, 'no echo of the move');

      // Moved in the CRM: Outlook follows, still one event.
      const crmMove = { ...interview, start: at(4, 11), end: at(4, 12) };
      assert.equal((await crm('PUT', 'APT-1', crmMove)).status, 200);
      await syncOnce();
      const [movedByCrm, ...dupes] = eventsNamed(interview.subject);
      assert.equal(dupes.length, 0);
      assert.equal(new Date(movedByCrm!.startMs).toISOString(), crmMove.start);
      const afterCrmMove = await appointment('APT-1');
      await syncOnce();
      assert.equal((await appointment('APT-1')).version, afterCrmMove.version, 'no echo of our update');

      // Removed in the CRM: gone from Outlook.
      assert.equal((await crm('DELETE', 'APT-1')).status, 204);
      await syncOnce();
      assert.deepEqual(eventsNamed(interview.subject), []);
      assert.equal((await appointment('APT-1')).outlook_event_id, null);
      assert.deepEqual(await history('APT-1'), [
        'crm:created',
        'crm:written_to_outlook',
        'outlook:changed_in_outlook',
        'crm:updated',
        'crm:written_to_outlook',
        'crm:removed',
        'crm:removed_from_outlook',
      ]);
    });

    it('invites nobody for an internal appointment', async function () {
      const internal = { ...interview, subject: 'Pipeline review', inviteAttendees: false };
      assert.equal((await crm('PUT', 'APT-INT', internal)).status, 201);
      await syncOnce();
      const [event] = eventsNamed('Pipeline review');
      assert.ok(event);
      assert.deepEqual(event.fields.attendees, []);
    });

    it('writes a duplicate delivery of the same change once', async function () {
      const booking = { ...interview, subject: 'Client meeting: Northwind', attendees: [] };
      assert.equal((await crm('PUT', 'APT-DUP', booking)).status, 201);
      assert.equal((await crm('PUT', 'APT-DUP', booking)).json.outcome, 'unchanged');
      await syncOnce();
      assert.equal((await crm('PUT', 'APT-DUP', booking)).json.outcome, 'unchanged');
      await syncOnce();
      assert.equal(eventsNamed('Client meeting: Northwind').length, 1);
    });

    it('cancelling the event in Outlook removes the appointment from the CRM', async function () {
      const booking = { ...interview, subject: 'Reference call', attendees: [] };
      assert.equal((await crm('PUT', 'APT-CXL', booking)).status, 201);
      await syncOnce();
      const [event] = eventsNamed('Reference call');
      const id = env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.ids(event!).regular;
      assert.equal((await env.control('DELETE', `/mailboxes/${DEMO.alice.id}/events/${id}`)).status, 204);
      await syncOnce();
      const row = await appointment('APT-CXL');
      assert.ok(row.removed_at, 'removed in the CRM');
      assert.deepEqual((await history('APT-CXL')).slice(-1), ['outlook:deleted_in_outlook']);
    });

    it('a conflict goes to the later change, and the losing change is in the history', async function () {
      const booking = { ...interview, subject: 'Offer discussion', attendees: [] };
      assert.equal((await crm('PUT', 'APT-CON', booking)).status, 201);
      await syncOnce();
      const [event] = eventsNamed('Offer discussion');
      const id = env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.ids(event!).regular;
      // Outlook first, then the CRM: both before the next sync. The CRM's change is the later one.
      assert.equal(
        (
          await env.control('PATCH', `/mailboxes/${DEMO.alice.id}/events/${id}`, {
            subject: 'Offer discussion (Outlook)',
          })
        ).status,
        200,
      );
      await laterThan(
        env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.get(event!.key)!.lastModifiedDateTime,
      );
      // Worked out once: midnight UTC passing before the check must not move the expected start.
      const moved = { start: at(5, 15), end: at(5, 16) };
      assert.equal((await crm('PUT', 'APT-CON', { ...booking, ...moved })).status, 200);
      await syncOnce();
      const row = await appointment('APT-CON');
      assert.equal(row.subject, 'Offer discussion', 'the CRM’s later change wins');
      const [after] = calendar().filter((e) => e.fields.subject?.startsWith('Offer discussion'));
      assert.equal(after!.fields.subject, 'Offer discussion');
      assert.equal(new Date(after!.startMs).toISOString(), moved.start);
      assert.ok((await history('APT-CON')).includes('outlook:conflict_lost'));
    });

    it('a later change in Outlook wins a conflict: its time and title are kept, the CRM’s lost change recorded', async function () {
      const booking = { ...interview, subject: 'Salary review', attendees: [] };
      assert.equal((await crm('PUT', 'APT-OUT', booking)).status, 201);
      await syncOnce();
      const [event] = eventsNamed('Salary review');
      const id = env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.ids(event!).regular;
      // The CRM first (a new time and notes), then Outlook (a new title): Outlook's is the later change.
      const crmChange = { ...booking, start: at(6, 9), end: at(6, 10), notes: 'Bring the offer letter.' };
      const put = await crm('PUT', 'APT-OUT', crmChange);
      assert.equal(put.status, 200);
      await laterThan(put.json.changedAt);
      assert.equal(
        (
          await env.control('PATCH', `/mailboxes/${DEMO.alice.id}/events/${id}`, {
            subject: 'Salary review (moved to Friday)',
          })
        ).status,
        200,
      );
      await syncOnce();
      const row = await appointment('APT-OUT');
      assert.equal(row.subject, 'Salary review (moved to Friday)');
      assert.equal(row.start_at, booking.start, 'Outlook’s time, not the CRM’s losing one');
      assert.equal(row.notes, 'Bring the offer letter.', 'notes are the CRM’s: Outlook never changes them');
      const [after] = calendar().filter((e) => e.fields.subject?.startsWith('Salary review'));
      assert.equal(after!.fields.subject, 'Salary review (moved to Friday)');
      assert.equal(after!.fields.body?.content, 'Bring the offer letter.');
      assert.ok((await history('APT-OUT')).includes('outlook:conflict_lost'));
      const lost = await env.db
        .selectFrom('crm_appointment_history')
        .select('detail')
        .where('appointment_id', '=', row.id)
        .where('change', '=', 'conflict_lost')
        .executeTakeFirstOrThrow();
      assert.equal(JSON.parse(lost.detail).lost, 'crm');
    });

    it('writes nothing to Outlook while the owner has diary sync off', async function () {
      // The user's own switch ("diary off"), as the chat command and the tab set it.
      const off = await switchResource(env.db, {
        accountId: alice,
        resource: 'diary',
        on: false,
        actor: 'alice',
        now: new Date(),
      });
      assert.equal(off.ok, true);
      try {
        const booking = { ...interview, subject: 'Written only with diary on', attendees: [] };
        assert.equal((await crm('PUT', 'APT-OFF', booking)).status, 201);
        await syncOnce();
        assert.deepEqual(eventsNamed('Written only with diary on'), []);
      } finally {
        await switchResource(env.db, {
          accountId: alice,
          resource: 'diary',
          on: true,
          actor: 'alice',
          now: new Date(),
        });
      }
      await syncOnce();
      assert.equal(eventsNamed('Written only with diary on').length, 1);
    });
  });
}

describe('a worker SIGKILLed between creating an event and committing it [sqlite]', function () {
  this.timeout(180_000);
  let env: SyncEnv;
  let http: HttpServer;
  const workers: WorkerProcess[] = [];

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedContosoCrm(env.store);
    assert.equal((await env.control('PUT', `/mailboxes/${DEMO.alice.id}/seed`, { events: [] })).status, 200);
    await connectAccount(env, DEMO.alice);
    http = createHttpServer({ logger: env.logger, healthChecks: [] });
    registerCrmDiaryRoutes(http.server, {
      db: env.db,
      diary: createStoreCrmDiary(env.db),
      logger: env.logger,
    });
  });
  after(async function () {
    await killAll(workers);
    if (http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env?.close();
  });

  it('leaves exactly one event in Outlook after the restarted worker finishes the write', async function () {
    const issued = await issueServiceKey(env.db, CONTOSO.id);
    assert.ok(issued !== 'unknown_tenant');
    const baseUrl = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
    const subject = 'Interview: Tom Becker';
    const put = await call(baseUrl, 'PUT', '/api/crm/diary/APT-CRASH', {
      token: issued.key,
      body: {
        owner: DEMO.alice.username,
        subject,
        start: at(2, 9),
        end: at(2, 10),
        timeZone: 'Europe/London',
      },
    });
    assert.equal(put.status, 201, put.text);
    const appointment = () =>
      env.db
        .selectFrom('crm_appointments')
        .selectAll()
        .where('crm_id', '=', 'APT-CRASH')
        .executeTakeFirstOrThrow();
    const events = () =>
      [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()].filter(
        (e) => e.fields.subject === subject,
      );

    // Graph's answer to the create is held back, so the event exists in Outlook while the worker waits.
    assert.equal(
      (await env.control('PUT', `/mailboxes/${DEMO.alice.id}/faults`, { perItemLatencyMs: 1000 })).status,
      200,
    );
    const environment = workerEnvironment(env, { MAIL_FOLDERS: 'inbox' });
    const first = spawnWorker(environment);
    workers.push(first);
    await waitFor(
      () => events().length > 0 || first.child.exitCode !== null,
      60_000,
      'the event to be created',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the worker said:\n${first.output()}`);
    });
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal((await appointment()).outlook_event_id, null, 'killed before the commit');
    assert.equal(events().length, 1);

    assert.equal(
      (await env.control('PUT', `/mailboxes/${DEMO.alice.id}/faults`, { perItemLatencyMs: 0 })).status,
      200,
    );
    const second = spawnWorker(environment);
    workers.push(second);
    await waitFor(
      async () => (await appointment()).outlook_event_id !== null,
      60_000,
      'the write to be committed',
    );
    second.child.kill('SIGTERM');
    await second.exited;

    const [only, ...more] = events();
    assert.equal(more.length, 0, 'one event, not two');
    const stored = await appointment();
    assert.equal(stored.outlook_ical_uid, only!.iCalUId);
    assert.equal(stored.outlook_written_version, stored.version);
  });
});
