/**
 * Rows per statement: few round trips per page, parameter counts well below both drivers' limits. A
 * power of two, so a full chunk is one piece of a bulk statement (bot/store/bulk-statement.ts).
 */
const CHUNK = 512;

export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Calls `write` once per group and chunk of the group's distinct values (say, per account and 500
 * Graph ids), so each call is one `IN (...)` statement.
 */
export async function forEachGroupChunk<T>(
  items: readonly T[],
  group: (item: T) => readonly string[],
  value: (item: T) => string,
  write: (group: readonly string[], values: string[]) => Promise<unknown>,
): Promise<void> {
  const groups = new Map<string, { group: readonly string[]; values: Set<string> }>();
  for (const item of items) {
    const g = group(item);
    const key = g.join('\u0000');
    let entry = groups.get(key);
    if (entry === undefined) groups.set(key, (entry = { group: g, values: new Set() }));
    entry.values.add(value(item));
  }
  for (const entry of groups.values()) {
    for (const chunk of chunks([...entry.values])) await write(entry.group, inList(chunk));
  }
}

/**
 * `values` for an `IN (...)` list, padded to a power of two by repeating its last value, which changes
 * nothing an IN matches. A page's counts vary from page to page, and every new count is new SQL that
 * Kysely compiles and the database parses and plans again; padded, a few statements serve them all.
 */
export function inList(values: readonly string[]): string[] {
  const padded = [...values];
  const last = values[values.length - 1];
  if (last === undefined) return padded;
  let size = 1;
  while (size < values.length) size *= 2;
  while (padded.length < size) padded.push(last);
  return padded;
}
