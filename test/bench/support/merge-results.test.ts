import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mergeSections, resultsToWrite } from '../../../bench/support/merge-results.js';
import { RESULTS_DIR } from '../../../bench/support/report.js';

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

  describe('what a run writes to its results file', function () {
    const file = `merge-results-test-${process.pid}.json`;
    const all = ['crash', 'faults', 'crmWrites'];
    const run = { crash: { lost: 1 }, faults: undefined, crmWrites: undefined };
    afterEach(() => rmSync(path.join(RESULTS_DIR, file), { force: true }));

    it('is the run itself when the file does not exist yet', function () {
      assert.deepEqual(resultsToWrite(file, run, ['crash'], all), run);
    });

    it('is the run itself when every section ran', function () {
      writeFileSync(path.join(RESULTS_DIR, file), JSON.stringify(previous));
      const full = { crash: { lost: 1 }, faults: { lost: 2 }, crmWrites: { missing: 0 } };
      assert.deepEqual(resultsToWrite(file, full, all, all), full);
    });

    it('keeps the file’s other sections when some ran', function () {
      writeFileSync(path.join(RESULTS_DIR, file), JSON.stringify(previous));
      const written = resultsToWrite(file, run, ['crash'], all);
      assert.deepEqual(written.crash, { lost: 1 });
      assert.deepEqual(written.faults, previous.faults);
      assert.equal(written.durationSeconds, 194);
    });
  });
});
