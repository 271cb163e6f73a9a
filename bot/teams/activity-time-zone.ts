/**
 * The user's time zone as Teams sends it with each activity: `localTimezone`, an IANA time zone
 * database name ("Pacific/Auckland"), per the Bot Framework Activity schema. Anything the platform's
 * Intl does not know is ignored rather than trusted, so a card is never built with an unusable zone.
 */
export function timeZoneOf(activity: { localTimezone?: unknown }): string | undefined {
  return usableTimeZone(activity.localTimezone);
}

export function usableTimeZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Where no zone is known: UTC, which every time shown names ("UTC"), so it is never mistaken. */
export const FALLBACK_TIME_ZONE = 'UTC';
