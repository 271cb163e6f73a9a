/**
 * The targets checked against a run's figures: each with what was measured and whether it
 * was met (null when the figure is missing from this run).
 */
type Results = Record<string, unknown>;

function figure(results: Results, path: string): number | null {
  let value: unknown = results;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export interface TargetCheck {
  figure: string;
  target: string;
  measured: number | null;
  met: boolean | null;
}

export function targets(results: Results): TargetCheck[] {
  const check = (path: string, target: string, ok: (v: number) => boolean) => {
    const measured = figure(results, path);
    return { figure: path, target, measured, met: measured === null ? null : ok(measured) };
  };
  return [
    check('initialSync.ratioToRaw', '>= 0.8', (v) => v >= 0.8),
    check('initialSync.requestsPer1000Items', '<= 2', (v) => v <= 2),
    check('initialSync.speedupVsOneAtATime', '>= 2.5 (x 1151 items/s)', (v) => v >= 2.5),
    check('initialSync.maxInFlight', '<= 4 (per mailbox)', (v) => v <= 4),
    check('initialSync.withoutLatency.workerCpuMicrosPerItem', '<= 40', (v) => v <= 40),
    check('freshness.p95Ms', '<= 2000', (v) => v <= 2000),
    check('freshnessUnderLoad.messagesPerSecond', '>= 100', (v) => v >= 100),
    check('freshnessUnderLoad.p95Ms', '<= 2000', (v) => v <= 2000),
    check('freshnessUnderLoad.p99Ms', '<= 5000', (v) => v <= 5000),
    check('freshnessUnderLoad.lost', '= 0', (v) => v === 0),
    check('scale.cycleSeconds', '<= 10800 (the safety interval, default settings)', (v) => v <= 10800),
    check('scale.workerRssMb', '<= 512', (v) => v <= 512),
    check('scale.graphRequestsPerAccountHour', '<= 6', (v) => v <= 6),
    check('scaleOut.efficiency.workers3', '>= 0.85', (v) => v >= 0.85),
    check('scaleOut.doubleLeases', '= 0', (v) => v === 0),
    check('bot.cpuMsPerTurn.help', '<= 1 (bot process CPU)', (v) => v <= 1),
    check('bot.cpuMsPerTurn.status', '<= 1 (bot process CPU)', (v) => v <= 1),
    check('bot.turnsPerSecond', '>= 500 (saturated)', (v) => v >= 500),
    check('bot.paced.p99Ms', '<= 50 (100 conversations, paced)', (v) => v <= 50),
    check('bot.p99Ms', 'reported (saturated, beside the paced p99)', () => true),
  ];
}

/** The targets as lines of the printed table. */
export function targetLines(checks: readonly TargetCheck[]): string {
  const width = Math.max(...checks.map((c) => c.figure.length));
  return checks
    .map((c) => {
      const verdict = c.met === null ? 'not measured' : c.met ? 'met' : 'MISSED';
      return `${c.figure.padEnd(width)}  ${String(c.measured ?? '-').padStart(8)}  target ${c.target.padEnd(28)} ${verdict}`;
    })
    .join('\n');
}
