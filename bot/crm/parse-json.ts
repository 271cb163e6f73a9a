import { CrmInputError, type CrmRowType, type RawCrmRow } from './crm-rows.js';

const SECTIONS: ReadonlyArray<[key: string, type: CrmRowType]> = [
  ['tenants', 'tenant'],
  ['users', 'user'],
  ['contacts', 'contact'],
  ['appointments', 'appointment'],
];

/**
 * Splits a JSON import file `{ tenants: [...], users: [...], contacts: [...], appointments: [...] }` into
 * located rows.
 */
export function parseCrmJson(input: string): RawCrmRow[] {
  let document: unknown;
  try {
    document = JSON.parse(input);
  } catch (err) {
    throw new CrmInputError(`The file is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new CrmInputError(
      'The JSON file must be an object with "tenants", "users", "contacts" and/or "appointments" lists',
    );
  }
  const known = new Set(SECTIONS.map(([key]) => key));
  const unknown = Object.keys(document).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new CrmInputError(
      `Unknown top-level field(s) ${unknown.join(', ')}: expected ${SECTIONS.map(([key]) => key).join(', ')}`,
    );
  }
  const rows: RawCrmRow[] = [];
  for (const [key, type] of SECTIONS) {
    const list = (document as Record<string, unknown>)[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new CrmInputError(`"${key}" must be a list`);
    list.forEach((data, i) => rows.push({ type, where: `${key}[${i}]`, data, problems: [] }));
  }
  return rows;
}
