import assert from 'node:assert/strict';
import { mergeSections } from '../../../bench/support/merge-results.js';

describe('merging a partial bench run into the committed results', function () {
  const previous = {
    machine: { cores: 2 },
    startedAt: '2026-11-26T02:14:24.859Z',
    crash: { lost: 0, measuredAt: '2026-11-26T02:16:00.000Z' },
    faults: { lost: 0, measuredAt: '2026-11-26T02:17:00.000Z' },
    durationSeconds: 194,
  };

  it('replaces the sections that ran and keeps every other section and the full run’s top level', function () {
    const run = {
      machine: { cores: 8 },
      startedAt: '2026-12-06T06:40:00.000Z',
      crash: undefined,
      crmWrites: { missing: 0, measuredAt: '2026-12-06T06:41:00.000Z' },
      faults: { lost: 3, measuredAt: '2026-12-06T06:42:00.000Z' },
      durationSeconds: 60,
    };
    const merged = mergeSections(previous, run, ['crash', 'faults', 'crmWrites']);
    assert.deepEqual(merged, {
      machine: { cores: 2 },
      startedAt: '2026-11-26T02:14:24.859Z',
      crash: { lost: 0, measuredAt: '2026-11-26T02:16:00.000Z' },
      faults: { lost: 3, measuredAt: '2026-12-06T06:42:00.000Z' },
      durationSeconds: 194,
      crmWrites: { missing: 0, measuredAt: '2026-12-06T06:41:00.000Z' },
    });
    assert.deepEqual(
      Object.keys(merged),
      ['machine', 'startedAt', 'crash', 'crmWrites', 'faults', 'durationSeconds'],
      'in the order a run writes its sections',
    );
  });

  it('records a section that failed as its error, not as the old figure', function () {
    const merged = mergeSections(previous, { crash: { error: 'boom' } }, ['crash']);
    assert.deepEqual(merged.crash, { error: 'boom' });
    assert.deepEqual(merged.faults, previous.faults);
  });
});
