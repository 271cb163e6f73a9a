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
  const merged = { ...previous };
  for (const name of sections) if (run[name] !== undefined) merged[name] = run[name];
  return merged;
}
