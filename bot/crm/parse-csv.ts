import { parse } from 'csv-parse/sync';
import { CrmInputError, type CrmRowType, type RawCrmRow } from './crm-rows.js';

/**
 * Reads the one-file CSV format (see README.md): a header row, then one row per tenant, user, contact
 * or appointment told apart by the `type` column. Each row is mapped onto the JSON row shape so one set
 * of schemas validates both formats; a cell that does not apply to the row's type must be empty.
 */

const COLUMNS = [
  'type',
  'tenant',
  'name',
  'email',
  'admin',
  'cloud_sync_visible',
  'kind',
  'organisation',
  'external_ref',
  'domains',
  'purge_on_disable',
  'blocklist',
  'crm_id',
  'owner',
  'subject',
  'start',
  'end',
  'time_zone',
  'location',
  'attendee_contacts',
  'attendee_addresses',
  'invite_attendees',
  'notes',
] as const;
type Column = (typeof COLUMNS)[number];

/** How a cell is read: a list splits on `;`; contacts and addresses become appointment attendees. */
type CellKind = 'text' | 'list' | 'flag' | 'contacts' | 'addresses';

/** Which CSV column fills which row field, per row type. */
const FIELDS: Record<CrmRowType, Partial<Record<Column, { field: string; as: CellKind }>>> = {
  tenant: {
    tenant: { field: 'id', as: 'text' },
    name: { field: 'name', as: 'text' },
    domains: { field: 'domains', as: 'list' },
    purge_on_disable: { field: 'purgeOnDisable', as: 'flag' },
    blocklist: { field: 'blocklist', as: 'list' },
  },
  user: {
    tenant: { field: 'tenant', as: 'text' },
    name: { field: 'displayName', as: 'text' },
    email: { field: 'workEmail', as: 'text' },
    admin: { field: 'admin', as: 'flag' },
    cloud_sync_visible: { field: 'cloudSyncVisible', as: 'flag' },
  },
  contact: {
    tenant: { field: 'tenant', as: 'text' },
    name: { field: 'displayName', as: 'text' },
    email: { field: 'emails', as: 'list' },
    kind: { field: 'kind', as: 'text' },
    organisation: { field: 'organisation', as: 'text' },
    external_ref: { field: 'externalRef', as: 'text' },
  },
  appointment: {
    tenant: { field: 'tenant', as: 'text' },
    crm_id: { field: 'crmId', as: 'text' },
    owner: { field: 'owner', as: 'text' },
    subject: { field: 'subject', as: 'text' },
    start: { field: 'start', as: 'text' },
    end: { field: 'end', as: 'text' },
    time_zone: { field: 'timeZone', as: 'text' },
    location: { field: 'location', as: 'text' },
    attendee_contacts: { field: 'attendees', as: 'contacts' },
    attendee_addresses: { field: 'attendees', as: 'addresses' },
    invite_attendees: { field: 'inviteAttendees', as: 'flag' },
    notes: { field: 'notes', as: 'text' },
  },
};

/** The CSV column(s) a row field came from, for messages. */
export function csvColumnOf(type: CrmRowType, field: string): string {
  const columns = Object.entries(FIELDS[type])
    .filter(([, f]) => f.field === field)
    .map(([column]) => column);
  return columns.length > 0 ? columns.join('/') : field;
}

const TRUE = new Set(['true', 'yes', '1']);
const FALSE = new Set(['false', 'no', '0']);

function convert(value: string, as: CellKind): unknown {
  const list = () =>
    value
      .split(';')
      .map((v) => v.trim())
      .filter(Boolean);
  if (as === 'list') return list();
  if (as === 'contacts') return list().map((contact) => ({ contact }));
  if (as === 'addresses') return list().map((address) => ({ address }));
  if (as === 'flag') {
    const v = value.toLowerCase();
    return TRUE.has(v) ? true : FALSE.has(v) ? false : value;
  }
  return value;
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

export function parseCrmCsv(input: string): RawCrmRow[] {
  let records: ParsedRecord[];
  try {
    records = parse(input, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as ParsedRecord[];
  } catch (err) {
    throw new CrmInputError(`The CSV file cannot be read: ${(err as Error).message}`);
  }
  const [header, ...body] = records;
  if (!header) throw new CrmInputError('The CSV file is empty: it needs a header row');
  const columns = header.record.map((h) => h.trim().toLowerCase());
  const unknown = columns.filter((c) => !(COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    throw new CrmInputError(`Unknown CSV column(s) ${unknown.join(', ')}: expected ${COLUMNS.join(', ')}`);
  }
  if (!columns.includes('type')) throw new CrmInputError('The CSV header needs a "type" column');
  return body.map(({ record, info }) => readRow(columns as Column[], record, info.lines));
}

function readRow(columns: Column[], record: string[], line: number): RawCrmRow {
  const row: RawCrmRow = { where: `line ${line}`, line, data: {}, problems: [] };
  if (record.length > columns.length) {
    row.problems.push(`has ${record.length} cells but the header has ${columns.length}`);
    return row;
  }
  const cells = columns.map((column, i) => [column, (record[i] ?? '').trim()] as const);
  const type = cells.find(([c]) => c === 'type')?.[1].toLowerCase();
  if (type !== 'tenant' && type !== 'user' && type !== 'contact' && type !== 'appointment') {
    row.problems.push('type must be tenant, user, contact or appointment');
    return row;
  }
  row.type = type;
  const data: Record<string, unknown> = {};
  for (const [column, value] of cells) {
    if (column === 'type' || value === '') continue;
    const target = FIELDS[type][column];
    // Both attendee columns add to the one attendee list, in the order of the columns.
    if (target && Array.isArray(data[target.field]))
      data[target.field] = [
        ...(data[target.field] as unknown[]),
        ...(convert(value, target.as) as unknown[]),
      ];
    else if (target) data[target.field] = convert(value, target.as);
    else
      row.problems.push(
        `${column} does not apply to ${type === 'appointment' ? 'an' : 'a'} ${type} row; leave it empty`,
      );
  }
  row.data = data;
  return row;
}
