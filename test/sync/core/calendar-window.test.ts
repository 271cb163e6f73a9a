import assert from 'node:assert/strict';
import {
  DEFAULT_WINDOW_SETTINGS,
  idealWindow,
  planCalendarWindow,
} from '../../../bot/sync/core/calendar-window.js';

const at = (iso: string) => Date.parse(iso);

describe('sync/core/calendar-window', () => {
  it('spans 90 days back to 365 ahead, aligned to UTC midnight', () => {
    assert.deepEqual(idealWindow(at('2025-06-15T13:45:00Z'), DEFAULT_WINDOW_SETTINGS), {
      start: '2025-03-17T00:00:00.000Z',
      end: '2026-06-16T00:00:00.000Z',
    });
  });

  it('keeps the window within the day and re-bases once it has moved a day', () => {
    const stored = idealWindow(at('2025-06-15T00:10:00Z'), DEFAULT_WINDOW_SETTINGS);
    assert.deepEqual(planCalendarWindow(stored, at('2025-06-15T23:59:00Z'), DEFAULT_WINDOW_SETTINGS), {
      action: 'keep',
    });
    const next = planCalendarWindow(stored, at('2025-06-16T00:01:00Z'), DEFAULT_WINDOW_SETTINGS);
    assert.deepEqual(next, {
      action: 'rebase',
      reason: 'moved',
      window: idealWindow(at('2025-06-16T00:01:00Z'), DEFAULT_WINDOW_SETTINGS),
    });
  });

  it('re-bases for a first round, a changed size, an unreadable window or a clock that went back', () => {
    const now = at('2025-06-15T12:00:00Z');
    const reason = (stored: Parameters<typeof planCalendarWindow>[0]) => {
      const plan = planCalendarWindow(stored, now, DEFAULT_WINDOW_SETTINGS);
      return plan.action === 'rebase' ? plan.reason : 'keep';
    };
    assert.equal(reason(null), 'initial');
    assert.equal(reason(idealWindow(now, { ...DEFAULT_WINDOW_SETTINGS, daysAhead: 30 })), 'resized');
    assert.equal(reason({ start: 'garbage', end: '2026-01-01T00:00:00.000Z' }), 'unreadable');
    assert.equal(reason(idealWindow(at('2025-06-20T12:00:00Z'), DEFAULT_WINDOW_SETTINGS)), 'moved');
  });
});
