/**
 * Graph writes timestamps with up to seven fractional digits (`2024-05-01T09:00:00.0000000`), with a
 * `Z` on Timestamp properties and without one inside DateTimeTimeZone. The store wants
 * `Date.prototype.toISOString` form (three digits, `Z`), whose string order is time order.
 */
const GRAPH_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

/** Milliseconds since the epoch, or null when `value` is not a Graph timestamp. A missing zone means UTC. */
export function parseGraphTimestamp(value: unknown): number | null {
  const iso = asIsoInput(value);
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** The store's form of a Graph timestamp, or null when it does not parse. */
export function graphTimestampToIso(value: unknown): string | null {
  const iso = asIsoInput(value);
  if (iso === null) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  // Every message carries two timestamps, so the common case skips building a Date: a UTC value is
  // already in the store's form unless a field rolls over (Date.parse reads 30 February as 1 March
  // and 24:00 as the next day), which only a day past the 28th or hour 24 can do.
  if (iso.endsWith('Z') && iso.slice(8, 10) <= '28' && iso.slice(11, 13) < '24') return iso;
  return new Date(ms).toISOString();
}

/** `value` as an ISO 8601 string with three fractional digits and a zone, or null when it is not one. */
function asIsoInput(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = GRAPH_TIMESTAMP.exec(value.trim());
  if (!match) return null;
  const [, base, fraction = '', zone = 'Z'] = match;
  return `${base}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`;
}
