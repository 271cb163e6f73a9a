import assert from 'node:assert/strict';
import { syncAccount, type AccountSyncDeps } from '../../bot/sync/account-sync.js';
import { DEFAULT_WINDOW_SETTINGS, idealWindow } from '../../bot/sync/core/calendar-window.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import type { CalendarDeltaBehaviour } from '../../emulator/graph/calendar-delta-behaviour.js';
import { DEMO } from '../support/emulator-msal.js';
import { DIALECTS } from '../support/postgres.js';
import { actualDiaryKeys, expectedDiaryKeys } from './support/expectation.js';
import {
  connectAccount,
  seedContosoCrm,
  startSyncEnv,
  testSettings,
  type SyncEnv,
} from './support/sync-env.js';

/**
 * The diary against a calendarView delta that behaves as real Graph's does: occurrences of recurring
 * meetings stripped to id, seriesMasterId, type, start and end; events changed outside the window
 * reported as removed; and, under every combination of the two points reports disagree on (series
 * masters listed or not, cancelled occurrences reported as @removed or not), a diary that ends up
 * holding every occurrence with its meeting's subject, a moved occurrence as one entry, a cancelled
 * one removed, and one entry for a meeting several users attend.
 */

const OWNER = 'test-worker';
const DAY = 86_400_000;
const SHORTLIST_UID = '040000008200E00074C5B7101A82E00800000000SHORTLISTREVIEW';

const BEHAVIOURS: CalendarDeltaBehaviour[] = [
  { seriesMasters: 'listed', cancelledOccurrences: 'omitted' },
  { seriesMasters: 'listed', cancelledOccurrences: 'removed' },
  { seriesMasters: 'omitted', cancelledOccurrences: 'omitted' },
  { seriesMasters: 'omitted', cancelledOccurrences: 'removed' },
];

const shortlistReview = {
  subject: 'Shortlist review: Northwind',
  organizer: 'alice.smith@contoso.com',
  attendees: ['dan.morgan@contoso.com', 'tom.becker@northwind.example'],
  startDaysFromNow: 3,
  time: '13:00',
  iCalUId: SHORTLIST_UID,
};

/** A recurring meeting in Alice's (organizer's) and Dan's (attendee's) calendars. */
const hiringStandUp = {
  subject: 'Northwind hiring stand-up',
  organizer: 'alice.smith@contoso.com',
  attendees: ['dan.morgan@contoso.com', 'tom.becker@northwind.example'],
  startDaysFromNow: 1,
  time: '08:30',
  recurrence: { type: 'daily', count: 3 },
  iCalUId: '040000008200E00074C5B7101A82E00800000000HIRINGSTANDUP',
};

function aliceCalendar(behaviour: CalendarDeltaBehaviour) {
  return {
    calendarDelta: behaviour,
    events: [
      {
        // Six weekly occurrences: -14, -7 (moved to 15:00), today (cancelled), +7, +14, +21 days.
        subject: 'Weekly check-in: Priya Patel',
        organizer: 'alice.smith@contoso.com',
        attendees: ['priya.patel@example.com'],
        startDaysFromNow: -14,
        time: '10:00',
        recurrence: { type: 'weekly', count: 6 },
        cancelledOccurrences: [2],
        exceptions: [{ occurrence: 1, time: '15:00', subject: 'Check-in (moved)' }],
      },
      shortlistReview,
      hiringStandUp,
      {
        subject: 'Interview: Sofia Rossi',
        organizer: 'alice.smith@contoso.com',
        attendees: ['sofia.rossi@example.org'],
        startDaysFromNow: -88,
        time: '09:00',
      },
    ],
  };
}

for (const dialect of DIALECTS) {
  for (const behaviour of BEHAVIOURS) {
    const name = `masters ${behaviour.seriesMasters}, cancelled occurrences ${behaviour.cancelledOccurrences}`;
    describe(`diary sync against Graph's calendarView delta [${dialect}; ${name}]`, function () {
      this.timeout(120_000);
      let env: SyncEnv;
      let alice: string;
      let dan: string;
      let known: Set<string>;

      before(async function () {
        env = await startSyncEnv(dialect);
        await seedContosoCrm(env.store);
        known = new Set(
          (await env.db.selectFrom('crm_contact_emails').select('email').execute()).map((r) => r.email),
        );
        for (const [user, seed] of [
          [DEMO.alice, aliceCalendar(behaviour)],
          [DEMO.dan, { calendarDelta: behaviour, events: [shortlistReview, hiringStandUp] }],
        ] as const) {
          const res = await env.control('PUT', `/mailboxes/${user.id}/seed`, seed);
          assert.equal(res.status, 200, await res.text());
        }
        alice = await connectAccount(env, DEMO.alice);
        dan = await connectAccount(env, DEMO.dan);
      });
      after(async function () {
        await env?.close();
      });

      async function syncOnce(accountId: string, now = Date.now()) {
        assert.equal(await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now }), true);
        const deps: AccountSyncDeps = {
          db: env.db,
          owner: OWNER,
          graphBaseUrl: env.emu.origin,
          fetch: env.fetch,
          limiter: new MailboxLimiter(4),
          tokens: env.tokens,
          settings: testSettings({ pageSize: 3 }),
          subscriptions: null,
          logger: env.logger,
          now: () => now,
          random: Math.random,
        };
        const result = await syncAccount(deps, accountId, () => false);
        assert.equal(result.outcome, 'completed', JSON.stringify(result));
        assert.equal(result.resources.diary, 'completed');
      }

      /** The account's diary entries by subject, in start order, with whether this account still owns each. */
      async function diary(accountId: string) {
        const rows = await env.db
          .selectFrom('diary_item_owners as o')
          .innerJoin('diary_items as d', 'd.id', 'o.diary_item_id')
          .select(['d.ical_uid', 'd.occurrence_start', 'd.subject', 'd.start_at', 'o.removed_at', 'o.role'])
          .where('o.account_id', '=', accountId)
          .orderBy('d.occurrence_start')
          .execute();
        return rows.map((r) => ({
          uid: r.ical_uid,
          original: r.occurrence_start,
          subject: r.subject,
          start: r.start_at,
          owned: r.removed_at === null,
          role: r.role,
        }));
      }

      const seriesRecord = () =>
        [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()].find((r) => r.fields.recurrence)!;
      const expected = (userId: string, now = Date.now()) =>
        expectedDiaryKeys(env.emu, userId, idealWindow(now, DEFAULT_WINDOW_SETTINGS), (people) =>
          people.some((p) => known.has(p)),
        );

      it('files every occurrence of a recurring meeting with its subject, and a shared meeting once', async function () {
        await syncOnce(alice);
        await syncOnce(dan);
        assert.deepEqual(await actualDiaryKeys(env.db, alice), expected(DEMO.alice.id));

        const entries = await diary(alice);
        const series = entries.filter((e) => e.uid === seriesRecord().iCalUId);
        assert.deepEqual(
          series.map((e) => e.subject),
          [
            'Weekly check-in: Priya Patel',
            'Check-in (moved)',
            'Weekly check-in: Priya Patel',
            'Weekly check-in: Priya Patel',
            'Weekly check-in: Priya Patel',
          ],
          'five occurrences (one cancelled), the moved one under its own subject',
        );
        const moved = series[1]!;
        assert.match(moved.start, /T15:00:00/);
        assert.match(moved.original, /T10:00:00/, 'keyed by the time it was planned for');
        const contacts = await env.db.selectFrom('diary_item_contacts').select('diary_item_id').execute();
        assert.ok(contacts.length >= 7, 'each occurrence is linked to Priya, the shared meeting to Tom');

        const shared = await env.db
          .selectFrom('diary_items as d')
          .innerJoin('diary_item_owners as o', 'o.diary_item_id', 'd.id')
          .select(['d.id', 'o.account_id', 'o.role'])
          .where('d.ical_uid', '=', SHORTLIST_UID)
          .execute();
        assert.equal(new Set(shared.map((r) => r.id)).size, 1, 'one diary entry');
        assert.deepEqual(shared.map((r) => `${r.account_id === alice ? 'alice' : 'dan'}:${r.role}`).sort(), [
          'alice:organizer',
          'dan:attendee',
        ]);
        const standUps = await env.db
          .selectFrom('diary_items as d')
          .innerJoin('diary_item_owners as o', 'o.diary_item_id', 'd.id')
          .select(['d.id', 'o.account_id', 'o.role'])
          .where('d.ical_uid', '=', hiringStandUp.iCalUId)
          .execute();
        assert.equal(new Set(standUps.map((r) => r.id)).size, 3, 'one entry per occurrence');
        assert.deepEqual(
          standUps.map((r) => `${r.account_id === alice ? 'alice' : 'dan'}:${r.role}`).sort(),
          [
            'alice:organizer',
            'alice:organizer',
            'alice:organizer',
            'dan:attendee',
            'dan:attendee',
            'dan:attendee',
          ],
          'each occurrence owned by both calendars',
        );
        const skips = await env.db.selectFrom('sync_skips').select(['reason', 'summary']).execute();
        assert.deepEqual(skips, [], 'nothing skipped: every occurrence was understood');
      });

      it('applies a moved occurrence, a cancelled one, a renamed series and an attendee’s deletion', async function () {
        const record = seriesRecord();
        const seriesId = env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.ids(record).regular;
        const path = `/mailboxes/${DEMO.alice.id}/events/${seriesId}`;
        // Occurrence 3 of 0..5 (2 is cancelled): the series' third entry.
        const plannedFor = Date.parse(
          (await diary(alice)).filter((e) => e.uid === record.iCalUId)[2]!.original,
        );
        const movedTo = new Date(plannedFor + DAY + 3_600_000).toISOString();
        const moved = await env.control('POST', `${path}/exception`, { occurrence: 3, start: movedTo });
        assert.equal(moved.status, 200, await moved.text());
        assert.equal((await env.control('POST', `${path}/cancel-occurrence`, { occurrence: 4 })).status, 200);
        assert.equal(
          (await env.control('PATCH', path, { subject: 'Weekly check-in: Priya Patel (Tuesdays)' })).status,
          200,
        );
        const danCopy = [...env.emu.ctx.mailboxes.mailbox(DEMO.dan.id).calendar.all()][0]!;
        const danId = env.emu.ctx.mailboxes.mailbox(DEMO.dan.id).calendar.ids(danCopy).regular;
        assert.equal((await env.control('DELETE', `/mailboxes/${DEMO.dan.id}/events/${danId}`)).status, 204);

        await syncOnce(alice);
        await syncOnce(dan);
        assert.deepEqual(await actualDiaryKeys(env.db, alice), expected(DEMO.alice.id));

        const series = (await diary(alice)).filter((e) => e.uid === record.iCalUId);
        assert.equal(series.length, 5, 'the moved occurrence is still one entry; nothing was added');
        assert.deepEqual(
          series.map((e) => [e.subject, e.owned]),
          [
            ['Weekly check-in: Priya Patel (Tuesdays)', true],
            ['Check-in (moved)', true],
            ['Weekly check-in: Priya Patel (Tuesdays)', true],
            // Cancelled before the rename: removed as it last was.
            ['Weekly check-in: Priya Patel', false],
            ['Weekly check-in: Priya Patel (Tuesdays)', true],
          ],
          'the occurrence moved a day later keeps its entry; the cancelled one is removed',
        );
        assert.equal(series[2]!.start, movedTo);
        assert.equal(new Date(plannedFor).toISOString(), series[2]!.original);

        const shared = await env.db
          .selectFrom('diary_item_owners as o')
          .innerJoin('diary_items as d', 'd.id', 'o.diary_item_id')
          .select(['o.account_id', 'o.removed_at'])
          .where('d.ical_uid', '=', SHORTLIST_UID)
          .execute();
        assert.deepEqual(
          shared.map((r) => `${r.account_id === alice ? 'alice' : 'dan'}:${r.removed_at === null}`).sort(),
          ['alice:true', 'dan:false'],
          'Dan deleted his copy; Alice still owns the meeting',
        );
      });

      it('keeps entries that slid out of the window when Graph reports changes outside it as removed', async function () {
        const later = Date.now() + 5 * DAY;
        await syncOnce(alice, later);
        const interview = () =>
          diary(alice).then((all) => all.find((e) => e.subject?.startsWith('Interview: Sofia Rossi')));
        assert.equal((await interview())?.owned, true, 'out of the moved window, still in the diary');
        const record = [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()].find((r) =>
          r.fields.subject?.startsWith('Interview'),
        )!;
        const id = env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.ids(record).regular;
        const patched = await env.control('PATCH', `/mailboxes/${DEMO.alice.id}/events/${id}`, {
          subject: 'Interview: Sofia Rossi (notes added)',
        });
        assert.equal(patched.status, 200);
        await env.control('POST', `/mailboxes/${DEMO.alice.id}/events`, {
          subject: 'Reference call: Sofia Rossi',
          organizer: 'alice.smith@contoso.com',
          attendees: ['sofia.rossi@example.org'],
          startDaysFromNow: -200,
        });

        await syncOnce(alice, later);
        assert.equal((await interview())?.owned, true, 'the removal Graph reported is outside the window');
        assert.deepEqual(
          (await actualDiaryKeys(env.db, alice)).filter((k) => !k.startsWith(record.iCalUId)),
          expected(DEMO.alice.id, later),
        );
      });
    });
  }
}
