/** Rows per statement: few round trips per page, parameter counts well below both drivers' limits. */
const CHUNK = 500;

export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The distinct values of each group, e.g. Graph ids per account, for one `IN (...)` list each. */
export function groupBy<T>(
  items: readonly T[],
  group: (item: T) => string,
  value: (item: T) => string,
): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const item of items) {
    const g = group(item);
    let values = groups.get(g);
    if (values === undefined) groups.set(g, (values = new Set()));
    values.add(value(item));
  }
  return groups;
}
