/**
 * A run of some sections only (`CHAOS_ONLY=crmWrites`) updates those sections of the committed results
 * and keeps every other section's figures, so measuring one section never throws the others away. The
 * top level (`machine`, `startedAt`, `durationSeconds`) keeps describing the last full run; each section
 * carries its own `machine` and `measuredAt`.
 */
export function mergeSections(
  previous: Record<string, unknown>,
  run: Record<string, unknown>,
  sections: readonly string[],
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  // In the run's key order, so a section measured alone sits where a full run puts it.
  for (const key of new Set([...Object.keys(run), ...Object.keys(previous)])) {
    const value = sections.includes(key) && run[key] !== undefined ? run[key] : previous[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}
