/**
 * Single-value extended properties of events as Graph names and queries them ("Outlook extended
 * properties overview", "Create single-value extended property", "Get singleValueLegacyExtendedProperty"):
 * a custom property's id is `String {GUID} Name name`; the name part is case-sensitive, the type and
 * GUID are not; string values compare case-insensitively in `$filter`.
 */

const NAMED_STRING =
  /^String\s+\{([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}\s+Name\s+(\S+)$/i;

/** The property id written one way (so lookups ignore case where Graph does), or undefined if not one. */
export function canonicalPropertyId(id: string): string | undefined {
  const m = NAMED_STRING.exec(id.trim());
  return m ? `String {${m[1]!.toLowerCase()}} Name ${m[2]}` : undefined;
}

const quoted = "'((?:[^']|'')*)'";
const unquote = (s: string) => s.replace(/''/g, "'");

/** `singleValueExtendedProperties($filter=id eq '…')`: the property id asked for, or undefined. */
export function parseExpandedProperty(raw: string): string | undefined {
  const m = new RegExp(`^singleValueExtendedProperties\\(\\$filter=id eq ${quoted}\\)$`, 'i').exec(
    raw.trim(),
  );
  return m ? canonicalPropertyId(unquote(m[1]!)) : undefined;
}

/** `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`, or undefined. */
export function parsePropertyFilter(raw: string): { id: string; value: string } | undefined {
  const m = new RegExp(
    `^singleValueExtendedProperties/Any\\((\\w+):\\s*\\1/id eq ${quoted} and \\1/value eq ${quoted}\\)$`,
    'i',
  ).exec(raw.trim());
  if (!m) return undefined;
  const id = canonicalPropertyId(unquote(m[2]!));
  return id ? { id, value: unquote(m[3]!) } : undefined;
}

export function valueMatches(stored: string | undefined, wanted: string): boolean {
  return stored !== undefined && stored.toLowerCase() === wanted.toLowerCase();
}
