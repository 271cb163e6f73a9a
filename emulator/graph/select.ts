/**
 * $select as Graph applies it to Outlook items: only the named properties come back, plus id and the
 * annotations (@odata.type, @odata.etag, @removed). An unknown property is a 400, as in Graph.
 */
export type SelectResult = { fields: string[] | null } | { error: string };

export function parseSelect(raw: string | null, known: readonly string[], typeName: string): SelectResult {
  if (raw === null || raw.trim() === '') return { fields: null };
  const names = raw.split(',').map((n) => n.trim());
  const lookup = new Map(known.map((k) => [k.toLowerCase(), k]));
  const fields: string[] = [];
  for (const name of names) {
    const canonical = lookup.get(name.toLowerCase());
    if (!canonical) return { error: `Could not find a property named '${name}' on type '${typeName}'.` };
    fields.push(canonical);
  }
  return { fields };
}

/**
 * Navigation properties appear on a resource only when `$expand`ed, and Graph returns an expanded
 * property whether or not `$select` names it.
 */
const EXPANDED_NAVIGATION = new Set(['singleValueExtendedProperties']);

export function project<T extends object>(resource: T, fields: string[] | null): Partial<T> {
  if (!fields) return resource;
  const source = resource as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) {
    if (k.startsWith('@') || k === 'id' || EXPANDED_NAVIGATION.has(k) || fields.includes(k)) out[k] = v;
  }
  return out as Partial<T>;
}
