import assert from 'node:assert/strict';
import { calendarDeltaPage, initialCalendarState } from '../../../emulator/graph/calendar-delta.js';
import type { CalendarDeltaState } from '../../../emulator/graph/delta-token.js';
import type { Mailbox } from '../../../emulator/graph/mailbox.js';
import { MailboxStore } from '../../../emulator/graph/mailbox-store.js';
import { occurrenceSlots } from '../../../emulator/graph/recurrence.js';

const USER = 'a1000000-0000-4000-8000-000000000001';
const DAN = 'a1000000-0000-4000-8000-000000000004';
const NOW = Date.parse('2025-03-10T12:00:00Z'); // a Monday
const DAY = 86_400_000;
const OPTIONS = { pageSize: 4, immutable: false, replayItems: 0 };

type Item = {
  id: string;
  type?: string;
  subject?: string;
  seriesMasterId?: string;
  originalStart?: string;
  start?: { dateTime: string };
  isCancelled?: boolean;
  '@removed'?: { reason: string };
};

function seeded(): Mailbox {
  const store = new MailboxStore(() => NOW);
  store.loadSeed(USER, {
    events: [
      {
        subject: 'Weekly check-in: Priya Patel',
        organizer: 'alice.smith@contoso.com',
        attendees: ['priya.patel@example.com'],
        startDaysFromNow: -7,
        time: '10:00',
        recurrence: { type: 'weekly', count: 6 },
        cancelledOccurrences: [2],
        exceptions: [{ occurrence: 3, time: '15:00', subject: 'Check-in (moved)' }],
      },
      {
        subject: 'Client meeting',
        organizer: 'alice.smith@contoso.com',
        attendees: ['tom.becker@northwind.example'],
        startDaysFromNow: 2,
        time: '14:00',
        durationMinutes: 60,
      },
      { subject: 'Long ago', organizer: 'alice.smith@contoso.com', startDaysFromNow: -400 },
    ],
  });
  return store.mailbox(USER);
}

function round(box: Mailbox, start: CalendarDeltaState) {
  const items: Item[] = [];
  let state = start;
  for (;;) {
    const page = calendarDeltaPage(box, state, OPTIONS);
    items.push(...(page.value as Item[]));
    if (page.delta) return { items, delta: page.delta };
    state = page.next!;
  }
}

describe('recurrence', () => {
  it('expands weekly patterns on the chosen days, every interval weeks, up to the count', () => {
    const start = Date.parse('2025-03-03T09:00:00Z'); // Monday
    const slots = [
      ...occurrenceSlots(
        start,
        {
          pattern: {
            type: 'weekly',
            interval: 2,
            daysOfWeek: ['monday', 'thursday'],
            firstDayOfWeek: 'sunday',
          },
          range: { type: 'numbered', startDate: '2025-03-03', numberOfOccurrences: 5 },
        },
        Infinity,
      ),
    ].map((s) => new Date(s.startMs).toISOString().slice(0, 10));
    assert.deepEqual(slots, ['2025-03-03', '2025-03-06', '2025-03-17', '2025-03-20', '2025-03-31']);
  });

  it('stops a daily pattern at its end date', () => {
    const start = Date.parse('2025-03-03T09:00:00Z');
    const slots = [
      ...occurrenceSlots(
        start,
        {
          pattern: { type: 'daily', interval: 3 },
          range: { type: 'endDate', startDate: '2025-03-03', endDate: '2025-03-12' },
        },
        Infinity,
      ),
    ];
    assert.deepEqual(
      slots.map((s) => new Date(s.startMs).toISOString().slice(0, 10)),
      ['2025-03-03', '2025-03-06', '2025-03-09', '2025-03-12'],
    );
  });
});

describe('calendarView delta', () => {
  const window = (box: Mailbox) => initialCalendarState(box, NOW - 30 * DAY, NOW + 60 * DAY, null);
  const behave = (box: Mailbox, seriesMasters: 'listed' | 'omitted', cancelled: 'removed' | 'omitted') => {
    box.calendarDelta = { seriesMasters, cancelledOccurrences: cancelled };
    return box;
  };

  // microsoftgraph/microsoft-graph-docs-contrib#5602 (2020) and #34 (2023, open): occurrences in
  // calendarView/delta carry only @odata.type, @odata.etag, id, seriesMasterId, type, start and end.
  it('strips occurrences to the seven properties Graph sends; exceptions and single events are full', () => {
    const box = behave(seeded(), 'omitted', 'removed');
    const { items } = round(box, window(box));
    const series = items.filter((i) => i.seriesMasterId);
    assert.equal(series.length, 5, 'six occurrences, one cancelled');
    assert.deepEqual(
      series.map((i) => i.type),
      ['occurrence', 'occurrence', 'exception', 'occurrence', 'occurrence'],
    );
    for (const occurrence of series.filter((i) => i.type === 'occurrence')) {
      assert.deepEqual(Object.keys(occurrence).sort(), [
        '@odata.etag',
        '@odata.type',
        'end',
        'id',
        'seriesMasterId',
        'start',
        'type',
      ]);
    }
    const moved = series.find((i) => i.type === 'exception')! as Item & Record<string, unknown>;
    assert.equal(moved.subject, 'Check-in (moved)');
    assert.match(moved.start!.dateTime, /T15:00:00/);
    assert.ok(moved.iCalUId && moved.originalStart && moved.lastModifiedDateTime && moved.attendees);
    assert.equal(new Set(series.map((i) => i.seriesMasterId)).size, 1);
    assert.ok(items.some((i) => i.type === 'singleInstance' && i.subject === 'Client meeting'));
    assert.ok(!items.some((i) => i.subject === 'Long ago'), 'outside the window');
    assert.ok(!items.some((i) => i.type === 'seriesMaster'), 'masters omitted');
  });

  // Listed in microsoft-graph-docs-contrib#7681 (a maintainer's check) and ridafkih/keeper.sh#409.
  it('lists each series master before its occurrences when set to, with the first occurrence’s times', () => {
    const box = behave(seeded(), 'listed', 'omitted');
    const { items } = round(box, window(box));
    const masters = items.filter((i) => i.type === 'seriesMaster') as (Item & { iCalUId?: string })[];
    assert.equal(masters.length, 1);
    const master = masters[0]!;
    assert.equal(master.subject, 'Weekly check-in: Priya Patel');
    assert.ok(master.iCalUId);
    const index = items.indexOf(master);
    assert.ok(items.slice(index + 1).every((i) => i.type !== 'occurrence' || i.seriesMasterId === master.id));
    assert.equal(items.filter((i) => i.seriesMasterId === master.id).length, 5);
  });

  it('pages through masters and occurrences without losing or repeating an item', () => {
    const box = behave(seeded(), 'listed', 'omitted');
    const paged = round(box, window(box));
    const whole = calendarDeltaPage(box, window(box), { ...OPTIONS, pageSize: 100 });
    assert.deepEqual(
      paged.items.map((i) => i.id),
      (whole.value as Item[]).map((i) => i.id),
    );
  });

  it('reports a newly cancelled occurrence as @removed when set to, and an edit and a deletion', () => {
    const box = behave(seeded(), 'omitted', 'removed');
    const first = round(box, window(box));
    const [series, meeting] = [...box.calendar.all()];
    const slot = [...occurrenceSlots(series!.startMs, series!.fields.recurrence!, Infinity)][4]!.startMs;
    box.calendar.cancelOccurrence(series!.key, slot, NOW);
    box.calendar.delete(meeting!.key);

    const second = round(box, first.delta);
    const cancelledId = box.calendar.occurrenceIds(series!, slot).regular;
    assert.deepEqual(second.items.find((i) => i.id === cancelledId)?.['@removed'], { reason: 'deleted' });
    assert.deepEqual(second.items.find((i) => i.id === box.calendar.ids(meeting!).regular)?.['@removed'], {
      reason: 'deleted',
    });
    const stillThere = second.items.filter((i) => i.seriesMasterId && !i['@removed']);
    assert.equal(stillThere.length, 4, 'the series is re-sent without the cancelled occurrence');
  });

  // microsoftgraph/microsoft-graph-docs#4501 (by experiment): "No indication is given for a deleted
  // occurrence".
  it('gives no @removed for a cancelled occurrence when set to; the series comes again without it', () => {
    const box = behave(seeded(), 'listed', 'omitted');
    const first = round(box, window(box));
    const [series] = [...box.calendar.all()];
    const slot = [...occurrenceSlots(series!.startMs, series!.fields.recurrence!, Infinity)][4]!.startMs;
    box.calendar.cancelOccurrence(series!.key, slot, NOW);
    const second = round(box, first.delta);
    assert.ok(!second.items.some((i) => i['@removed']));
    const cancelledId = box.calendar.occurrenceIds(series!, slot).regular;
    assert.ok(!second.items.some((i) => i.id === cancelledId));
    assert.equal(second.items.filter((i) => i.type === 'seriesMaster').length, 1, 'the master changed');
    assert.equal(second.items.filter((i) => i.seriesMasterId).length, 4);

    box.calendar.update(series!.key, { fields: { isCancelled: true } }, NOW);
    const third = round(box, second.delta);
    assert.equal(third.items.find((i) => i.type === 'seriesMaster')?.isCancelled, true);
  });

  // "event: delta" (learn.microsoft.com/graph/api/event-delta), Response: a round may return under
  // @removed (reason deleted) events outside the date range that were added, deleted or updated.
  it('reports events added, updated or deleted outside the window as @removed', () => {
    for (const masters of ['listed', 'omitted'] as const) {
      const box = behave(seeded(), masters, 'omitted');
      const first = round(box, window(box));
      const longAgo = [...box.calendar.all()].find((r) => r.fields.subject === 'Long ago')!;
      const farAhead = box.calendar.add(
        { startMs: NOW + 400 * DAY, endMs: NOW + 400 * DAY + 3_600_000, fields: { subject: 'Far ahead' } },
        NOW,
      );
      box.calendar.update(longAgo.key, { fields: { subject: 'Long ago (notes added)' } }, NOW);
      const second = round(box, first.delta);
      assert.deepEqual(
        second.items.map((i) => [i.id, i['@removed']?.reason]).sort(),
        [
          [box.calendar.ids(longAgo).regular, 'deleted'],
          [box.calendar.ids(farAhead).regular, 'deleted'],
        ].sort(),
      );
      box.calendar.delete(farAhead.key);
      const third = round(box, second.delta);
      assert.deepEqual(
        third.items.map((i) => [i.id, i['@removed']?.reason]),
        [[box.calendar.ids(farAhead).regular, 'deleted']],
      );
    }
  });

  it('gives one meeting the same iCalUId in the organizer’s and an attendee’s calendar', () => {
    const store = new MailboxStore(() => NOW);
    const meeting = {
      subject: 'Shortlist review',
      organizer: 'alice.smith@contoso.com',
      attendees: ['dan.morgan@contoso.com', 'tom.becker@northwind.example'],
      startDaysFromNow: 1,
      iCalUId: '040000008200E00074C5B7101A82E00800000000SHORTLIST',
    };
    store.loadSeed(USER, { events: [meeting] }, ['alice.smith@contoso.com']);
    store.loadSeed(DAN, { events: [meeting] }, ['dan.morgan@contoso.com']);
    const copies = [USER, DAN].map((u) => {
      const box = store.mailbox(u);
      return round(box, window(box)).items[0] as Item & { iCalUId: string; isOrganizer: boolean };
    });
    assert.equal(copies[0]!.iCalUId, meeting.iCalUId);
    assert.equal(copies[1]!.iCalUId, meeting.iCalUId);
    assert.notEqual(copies[0]!.id, copies[1]!.id);
    assert.deepEqual(
      copies.map((c) => c.isOrganizer),
      [true, false],
    );
  });
});
