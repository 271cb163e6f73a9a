/** The Prefer request header as Graph reads it for Outlook resources. */
export interface Preferences {
  maxPageSize?: number;
  immutableIds: boolean;
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const parts = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const prefs: Preferences = { immutableIds: false };
  for (const part of parts) {
    const page = /^odata\.maxpagesize\s*=\s*(\d+)$/i.exec(part);
    if (page) prefs.maxPageSize = Number(page[1]);
    if (/^IdType\s*=\s*"?ImmutableId"?$/i.test(part)) prefs.immutableIds = true;
  }
  return prefs;
}

/** Page size for a delta page and the Preference-Applied header acknowledging it. */
export function pageSize(
  prefs: Preferences,
  defaults: { size: number; max: number },
): { size: number; applied?: string } {
  if (prefs.maxPageSize === undefined || prefs.maxPageSize < 1) return { size: defaults.size };
  const size = Math.min(prefs.maxPageSize, defaults.max);
  return { size, applied: `odata.maxpagesize=${size}` };
}

export function preferenceApplied(items: (string | undefined)[]): Record<string, string> {
  const applied = items.filter((i): i is string => Boolean(i));
  return applied.length ? { 'preference-applied': applied.join(', ') } : {};
}
