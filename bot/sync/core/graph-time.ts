/**
 * Graph writes timestamps with up to seven fractional digits (`2024-05-01T09:00:00.0000000`), with a
 * `Z` on Timestamp properties and without one inside DateTimeTimeZone. The store wants
 * `Date.prototype.toISOString` form (three digits, `Z`), whose string order is time order.
 */
const GRAPH_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

/** Milliseconds since the epoch, or null when `value` is not a Graph timestamp. A missing zone means UTC. */
export function parseGraphTimestamp(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = GRAPH_TIMESTAMP.exec(value.trim());
  if (!match) return null;
  const [, base, fraction = '', zone = 'Z'] = match;
  const ms = Date.parse(`${base}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`);
  return Number.isNaN(ms) ? null : ms;
}

/** The store's form of a Graph timestamp, or null when it does not parse. */
export function graphTimestampToIso(value: unknown): string | null {
  const ms = parseGraphTimestamp(value);
  return ms === null ? null : new Date(ms).toISOString();
}
