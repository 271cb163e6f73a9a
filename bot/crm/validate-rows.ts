import type { ZodIssue, ZodType } from 'zod';
import {
  appointmentRowSchema,
  contactRowSchema,
  type AppointmentRow,
  tenantRowSchema,
  userRowSchema,
  type ContactRow,
  type CrmRowType,
  type RawCrmRow,
  type TenantRow,
  type UserRow,
} from './crm-rows.js';

/**
 * Validates every row of an import on its own (schema) and against the others (duplicates, tenants).
 * Pure: what the store already holds comes in as `knownTenantIds`.
 */

export interface Located<T> {
  where: string;
  line?: number;
  row: T;
}

export interface CrmRejection {
  /** Unknown when the row did not say (a CSV row with a bad `type` cell). */
  type?: CrmRowType;
  where: string;
  line?: number;
  reasons: string[];
}

export interface ValidatedCrmRows {
  tenants: Located<TenantRow>[];
  users: Located<UserRow>[];
  contacts: Located<ContactRow>[];
  appointments: Located<AppointmentRow>[];
  rejected: CrmRejection[];
}

export interface ValidateOptions {
  /** Tenants already in the store; rows may refer to them without repeating them. */
  knownTenantIds: ReadonlySet<string>;
  /** How a field is called in the file (CSV column names differ from JSON field names). */
  fieldLabel?: (type: CrmRowType, field: string) => string;
}

const SCHEMAS: Record<CrmRowType, ZodType> = {
  tenant: tenantRowSchema,
  user: userRowSchema,
  contact: contactRowSchema,
  appointment: appointmentRowSchema,
};

function describeIssue(
  type: CrmRowType,
  issue: ZodIssue,
  label: (type: CrmRowType, field: string) => string,
) {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  const [field, ...rest] = issue.path;
  if (field === undefined) return issue.message;
  const index = rest.map((p) => `[${p}]`).join('');
  return `${label(type, String(field))}${index} ${issue.message}`;
}

export function validateCrmRows(rows: readonly RawCrmRow[], options: ValidateOptions): ValidatedCrmRows {
  const label = options.fieldLabel ?? ((_type, field) => field);
  const reasons = new Map<RawCrmRow, string[]>();
  const reject = (row: RawCrmRow, reason: string) => reasons.set(row, [...(reasons.get(row) ?? []), reason]);

  const tenants: Array<[RawCrmRow, TenantRow]> = [];
  const users: Array<[RawCrmRow, UserRow]> = [];
  const contacts: Array<[RawCrmRow, ContactRow]> = [];
  const appointments: Array<[RawCrmRow, AppointmentRow]> = [];
  for (const raw of rows) {
    for (const problem of raw.problems) reject(raw, problem);
    if (!raw.type || raw.problems.length > 0) continue;
    const result = SCHEMAS[raw.type].safeParse(raw.data ?? {});
    if (!result.success) {
      for (const issue of result.error.issues) reject(raw, describeIssue(raw.type, issue, label));
      continue;
    }
    if (raw.type === 'tenant') tenants.push([raw, result.data as TenantRow]);
    if (raw.type === 'user') users.push([raw, result.data as UserRow]);
    if (raw.type === 'contact') contacts.push([raw, result.data as ContactRow]);
    if (raw.type === 'appointment') appointments.push([raw, result.data as AppointmentRow]);
  }

  // Rows that claim the same key are all rejected: which one is right cannot be told from the file.
  const rejectDuplicates = (entries: Array<[RawCrmRow, string]>, what: (key: string) => string) => {
    const byKey = new Map<string, RawCrmRow[]>();
    for (const [raw, key] of entries) byKey.set(key, [...(byKey.get(key) ?? []), raw]);
    for (const [key, group] of byKey) {
      const distinct = [...new Set(group)];
      if (distinct.length < 2) continue;
      for (const raw of distinct) {
        const others = distinct.filter((o) => o !== raw).map((o) => o.where);
        reject(raw, `duplicate ${what(key)} (also ${others.join(', ')})`);
      }
    }
  };
  const afterTenant = (key: string) => key.slice(key.indexOf(' ') + 1);
  rejectDuplicates(
    tenants.map(([raw, t]) => [raw, t.id]),
    (id) => `tenant ${id}`,
  );
  rejectDuplicates(
    users.map(([raw, u]) => [raw, `${u.tenant} ${u.workEmail}`]),
    (key) => `work e-mail ${afterTenant(key)}`,
  );
  rejectDuplicates(
    contacts
      .filter(([, c]) => c.externalRef !== undefined)
      .map(([raw, c]) => [raw, `${c.tenant} ${c.externalRef}`]),
    (key) => `contact external_ref ${afterTenant(key)}`,
  );
  rejectDuplicates(
    contacts.flatMap(([raw, c]) => c.emails.map((e): [RawCrmRow, string] => [raw, `${c.tenant} ${e}`])),
    (key) => `contact e-mail ${afterTenant(key)}`,
  );
  rejectDuplicates(
    appointments.map(([raw, a]) => [raw, `${a.tenant} ${a.crmId}`]),
    (key) => `appointment id ${afterTenant(key)}`,
  );

  const tenantIds = new Set([
    ...options.knownTenantIds,
    ...tenants.filter(([raw]) => !reasons.has(raw)).map(([, t]) => t.id),
  ]);
  for (const [raw, row] of [...users, ...contacts, ...appointments]) {
    if (!tenantIds.has(row.tenant))
      reject(raw, `unknown tenant ${row.tenant} (not in this file or the store)`);
  }

  const accepted = <T>(entries: Array<[RawCrmRow, T]>): Located<T>[] =>
    entries
      .filter(([raw]) => !reasons.has(raw))
      .map(([raw, row]) => ({ where: raw.where, line: raw.line, row }));
  return {
    tenants: accepted(tenants),
    users: accepted(users),
    contacts: accepted(contacts),
    appointments: accepted(appointments),
    rejected: rows
      .filter((raw) => reasons.has(raw))
      .map((raw) => ({
        ...(raw.type && { type: raw.type }),
        where: raw.where,
        line: raw.line,
        reasons: reasons.get(raw)!,
      })),
  };
}
