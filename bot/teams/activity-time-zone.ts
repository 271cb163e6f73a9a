/**
 * The user's time zone as Teams sends it with each activity: `localTimezone`, an IANA time zone
 * database name ("Pacific/Auckland"), per the Bot Framework Activity schema. Anything the platform's
 * Intl does not know is ignored rather than trusted, so a card is never built with an unusable zone.
 */
export function timeZoneOf(activity: { localTimezone?: unknown }): string | undefined {
  return usableTimeZone(activity.localTimezone);
}

/**
 * Zones checked before, each with its canonical name or undefined when unusable: Teams sends the zone on
 * every turn, and building a formatter to check it cost more than the rest of reading the activity.
 * Bounded, since the zone is whatever the sender wrote; the oldest check goes first.
 */
const ZONES_KEPT = 1_000;
const checkedZones = new Map<string, string | undefined>();

export function usableTimeZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return undefined;
  if (checkedZones.has(zone)) return checkedZones.get(zone);
  let usable: string | undefined;
  try {
    usable = new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    usable = undefined;
  }
  if (checkedZones.size >= ZONES_KEPT) checkedZones.delete(checkedZones.keys().next().value!);
  checkedZones.set(zone, usable);
  return usable;
}

/** Where no zone is known: UTC, which every time shown names ("UTC"), so it is never mistaken. */
export const FALLBACK_TIME_ZONE = 'UTC';
