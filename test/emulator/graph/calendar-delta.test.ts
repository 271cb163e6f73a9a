import assert from 'node:assert/strict';
import { calendarDeltaPage, initialCalendarState } from '../../../emulator/graph/calendar-delta.js';
import type { CalendarDeltaState } from '../../../emulator/graph/delta-token.js';
import type { Mailbox } from '../../../emulator/graph/mailbox.js';
import { MailboxStore } from '../../../emulator/graph/mailbox-store.js';
import { occurrenceSlots } from '../../../emulator/graph/recurrence.js';

const USER = 'a1000000-0000-4000-8000-000000000001';
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

  it('lists occurrences and exceptions as their own items, without cancelled ones or the master', () => {
    const box = seeded();
    const { items } = round(box, window(box));
    const series = items.filter((i) => i.seriesMasterId);
    assert.equal(series.length, 5, 'six occurrences, one cancelled');
    assert.deepEqual(
      series.map((i) => i.type),
      ['occurrence', 'occurrence', 'exception', 'occurrence', 'occurrence'],
    );
    const moved = series.find((i) => i.type === 'exception')!;
    assert.equal(moved.subject, 'Check-in (moved)');
    assert.match(moved.start!.dateTime, /T15:00:00/);
    assert.equal(new Set(series.map((i) => i.seriesMasterId)).size, 1);
    assert.ok(items.some((i) => i.type === 'singleInstance' && i.subject === 'Client meeting'));
    assert.ok(!items.some((i) => i.subject === 'Long ago'), 'outside the window');
    assert.ok(!items.some((i) => i.type === 'seriesMaster'));
  });

  it('reports a newly cancelled occurrence, an edit and a deletion in the next round', () => {
    const box = seeded();
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

    box.calendar.update(series!.key, { fields: { isCancelled: true } }, NOW);
    const third = round(box, second.delta);
    assert.equal(third.items.length, 4);
    assert.ok(third.items.every((i) => i.isCancelled === true || i['@removed']));
  });
});
