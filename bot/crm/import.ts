import type { Transaction } from 'kysely';
import { fromFlag, newId, nowIso, toFlag, toJsonText } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { AppointmentRow, ContactRow, CrmRowType, TenantRow, UserRow } from './crm-rows.js';
import type { CrmDiary, CrmDiaryRefusal } from './diary/crm-diary-port.js';
import { createStoreCrmDiary } from './diary/store-crm-diary.js';
import { csvColumnOf, parseCrmCsv } from './parse-csv.js';
import { parseCrmJson } from './parse-json.js';
import { validateCrmRows, type CrmRejection, type Located } from './validate-rows.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * Loads CRM tenants, users, contacts and appointments into the store. Every row is validated; valid
 * tenants, users and contacts are upserted (tenant by id, user by tenant + work e-mail, contact by
 * tenant + external_ref or else its primary e-mail) in one transaction, so a failure part-way changes
 * nothing and a re-run changes nothing more. Rows never delete: fields a row leaves out keep their
 * stored value, contact e-mails are only added, and taking away admin or Cloud Sync visibility is
 * reported and audited.
 *
 * Appointments then go, one by one, through the CRM diary's own put: the same write, checks and
 * idempotence as `PUT /api/crm/diary/{crmId}`, each in its own transaction, after the directory is
 * committed so they may name owners and contacts of the same file.
 */

export type CrmImportFormat = 'json' | 'csv';

export interface EntityCounts {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface CrmRoleChange {
  where: string;
  tenantId: string;
  workEmail: string;
  field: 'is_admin' | 'cloud_sync_visible';
  from: boolean;
  to: boolean;
}

export interface CrmImportReport {
  tenants: EntityCounts;
  users: EntityCounts;
  contacts: EntityCounts;
  appointments: EntityCounts;
  /** Rows not imported, in file order, each with every reason found. */
  rejected: CrmRejection[];
  /** Admin role or Cloud Sync visibility taken away from an existing user. */
  demotions: CrmRoleChange[];
}

export interface CrmImportOptions {
  format: CrmImportFormat;
  /** Recorded as the actor of audit entries. */
  actor?: string;
  /** Where appointments are written; the store's own CRM diary unless given. */
  diary?: CrmDiary;
  /** Told after every appointment created or changed, as the CRM API's routes are. */
  onAppointmentChanged?: (appointment: { tenantId: string; crmId: string }) => Promise<void>;
}

type Tx = Transaction<Database>;
const counts = (): EntityCounts => ({ created: 0, updated: 0, unchanged: 0, rejected: 0 });
const SECTION: Record<CrmRowType, 'tenants' | 'users' | 'contacts' | 'appointments'> = {
  tenant: 'tenants',
  user: 'users',
  contact: 'contacts',
  appointment: 'appointments',
};

/** @throws CrmInputError when the file as a whole cannot be read; nothing is imported then. */
export async function importCrm(
  store: Store,
  input: string,
  options: CrmImportOptions,
): Promise<CrmImportReport> {
  const raw = options.format === 'csv' ? parseCrmCsv(input) : parseCrmJson(input);
  const report: CrmImportReport = {
    tenants: counts(),
    users: counts(),
    contacts: counts(),
    appointments: counts(),
    rejected: [],
    demotions: [],
  };
  const actor = options.actor ?? 'crm-import';
  const rejected: CrmRejection[] = [];

  const appointments = await store.db.transaction().execute(async (tx) => {
    const knownTenantIds = new Set((await tx.selectFrom('tenants').select('id').execute()).map((t) => t.id));
    const valid = validateCrmRows(raw, {
      knownTenantIds,
      fieldLabel: options.format === 'csv' ? csvColumnOf : undefined,
    });
    rejected.push(...valid.rejected);
    for (const t of valid.tenants) report.tenants[await upsertTenant(tx, t.row)]++;
    for (const u of valid.users) report.users[await upsertUser(tx, u, actor, report.demotions)]++;
    for (const c of valid.contacts) {
      const outcome = await upsertContact(tx, c.row);
      if (typeof outcome === 'string') report.contacts[outcome]++;
      else rejected.push({ type: 'contact', where: c.where, line: c.line, reasons: [outcome.reason] });
    }
    return valid.appointments;
  });

  const diary = options.diary ?? createStoreCrmDiary(store.db);
  for (const a of appointments) {
    const outcome = await putAppointment(diary, a.row);
    if (typeof outcome !== 'string') {
      rejected.push({ type: 'appointment', where: a.where, line: a.line, reasons: [outcome.reason] });
      continue;
    }
    report.appointments[outcome]++;
    if (outcome !== 'unchanged')
      await options.onAppointmentChanged?.({ tenantId: a.row.tenant, crmId: a.row.crmId });
  }

  const order = new Map(raw.map((r, i) => [r.where, i]));
  report.rejected = rejected.sort((a, b) => (order.get(a.where) ?? 0) - (order.get(b.where) ?? 0));
  for (const r of report.rejected) if (r.type) report[SECTION[r.type]].rejected++;
  return report;
}

type Outcome = Exclude<keyof EntityCounts, 'rejected'>;

async function upsertTenant(tx: Tx, row: TenantRow): Promise<Outcome> {
  const at = nowIso();
  const existing = await tx.selectFrom('tenants').where('id', '=', row.id).selectAll().executeTakeFirst();
  const fields = {
    name: row.name,
    ...(row.domains && { domains: toJsonText(row.domains) }),
    ...(row.purgeOnDisable !== undefined && { purge_on_disable: toFlag(row.purgeOnDisable) }),
    ...(row.blocklist && { tenant_blocklist: toJsonText(row.blocklist) }),
  };
  if (!existing) {
    await tx
      .insertInto('tenants')
      .values({ id: row.id, ...fields, created_at: at, updated_at: at })
      .execute();
    return 'created';
  }
  if (!differs(existing, fields)) return 'unchanged';
  await tx
    .updateTable('tenants')
    .set({ ...fields, updated_at: at })
    .where('id', '=', row.id)
    .execute();
  return 'updated';
}

async function upsertUser(
  tx: Tx,
  located: Located<UserRow>,
  actor: string,
  demotions: CrmRoleChange[],
): Promise<Outcome> {
  const { row, where } = located;
  const at = nowIso();
  const existing = await tx
    .selectFrom('crm_users')
    .where('tenant_id', '=', row.tenant)
    .where('work_email', '=', row.workEmail)
    .selectAll()
    .executeTakeFirst();
  const fields = {
    display_name: row.displayName,
    ...(row.admin !== undefined && { is_admin: toFlag(row.admin) }),
    ...(row.cloudSyncVisible !== undefined && { cloud_sync_visible: toFlag(row.cloudSyncVisible) }),
  };
  if (!existing) {
    const id = newId();
    await tx
      .insertInto('crm_users')
      .values({
        id,
        tenant_id: row.tenant,
        work_email: row.workEmail,
        ...fields,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return 'created';
  }
  if (!differs(existing, fields)) return 'unchanged';
  await tx
    .updateTable('crm_users')
    .set({ ...fields, updated_at: at })
    .where('id', '=', existing.id)
    .execute();

  for (const field of ['is_admin', 'cloud_sync_visible'] as const) {
    const to = fields[field];
    if (to === undefined || to === existing[field]) continue;
    const change = {
      where,
      tenantId: row.tenant,
      workEmail: row.workEmail,
      field,
      from: fromFlag(existing[field]),
      to: fromFlag(to),
    };
    if (!change.to) demotions.push(change);
    await recordAudit(tx, {
      tenant_id: row.tenant,
      actor,
      action: `crm_user.${field}`,
      subject: existing.id,
      from_state: String(change.from),
      to_state: String(change.to),
      reason: `CRM import (${where})`,
      at,
    });
  }
  return 'updated';
}

/** The contact's outcome, or why the row cannot be applied to what the store holds. */
async function upsertContact(tx: Tx, row: ContactRow): Promise<Outcome | { reason: string }> {
  const at = nowIso();
  const owners = await tx
    .selectFrom('crm_contact_emails')
    .innerJoin('crm_contacts', 'crm_contacts.id', 'crm_contact_emails.contact_id')
    .where('crm_contact_emails.tenant_id', '=', row.tenant)
    .where('crm_contact_emails.email', 'in', row.emails)
    .select([
      'crm_contact_emails.email',
      'crm_contacts.id',
      'crm_contacts.external_ref',
      'crm_contacts.display_name',
    ])
    .execute();

  const byRef = row.externalRef
    ? await tx
        .selectFrom('crm_contacts')
        .where('tenant_id', '=', row.tenant)
        .where('external_ref', '=', row.externalRef)
        .selectAll()
        .executeTakeFirst()
    : undefined;
  const primaryOwner = owners.find((o) => o.email === row.emails[0]);
  const existingId = byRef?.id ?? primaryOwner?.id;

  const foreign = owners.find((o) => o.id !== existingId);
  if (foreign) {
    return {
      reason: `e-mail ${foreign.email} already belongs to another contact (${describeContact(foreign)})`,
    };
  }
  const existing =
    byRef ??
    (existingId
      ? await tx.selectFrom('crm_contacts').where('id', '=', existingId).selectAll().executeTakeFirst()
      : undefined);
  if (existing && row.externalRef && existing.external_ref && existing.external_ref !== row.externalRef) {
    return {
      reason: `e-mail ${row.emails[0]} belongs to contact ${existing.external_ref}, not ${row.externalRef}`,
    };
  }

  const fields = {
    display_name: row.displayName,
    kind: row.kind,
    ...(row.organisation !== undefined && { organisation: row.organisation }),
    ...(row.externalRef !== undefined && { external_ref: row.externalRef }),
  };
  const known = new Set(owners.map((o) => o.email));
  const newEmails = row.emails.filter((e) => !known.has(e));
  let contactId: string;
  let outcome: Outcome;
  if (!existing) {
    contactId = newId();
    await tx
      .insertInto('crm_contacts')
      .values({ id: contactId, tenant_id: row.tenant, ...fields, created_at: at, updated_at: at })
      .execute();
    outcome = 'created';
  } else {
    contactId = existing.id;
    const changed = differs(existing, fields);
    if (changed)
      await tx
        .updateTable('crm_contacts')
        .set({ ...fields, updated_at: at })
        .where('id', '=', contactId)
        .execute();
    outcome = changed || newEmails.length > 0 ? 'updated' : 'unchanged';
  }
  if (newEmails.length > 0) {
    await tx
      .insertInto('crm_contact_emails')
      .values(newEmails.map((email) => ({ contact_id: contactId, tenant_id: row.tenant, email })))
      .execute();
  }
  return outcome;
}

async function putAppointment(diary: CrmDiary, row: AppointmentRow): Promise<Outcome | { reason: string }> {
  const result = await diary.put(row.tenant, row.crmId, row.input);
  return result.ok ? result.outcome : { reason: refusalReason(row.tenant, result) };
}

/** The same refusals as the CRM API's 409 and 422 answers, in the report's words. */
function refusalReason(tenantId: string, refusal: CrmDiaryRefusal): string {
  switch (refusal.reason) {
    case 'unknown_owner':
      return `owner ${refusal.owner} is not a CRM user of tenant ${tenantId}`;
    case 'unknown_contact':
      return `attendee contact ${refusal.contacts.join(', ')} is not a contact of tenant ${tenantId} (or has no such address)`;
    case 'owner_changed':
      return `appointment belongs to another owner than ${refusal.owner}: remove it and create a new one for the new owner`;
  }
}

function describeContact(c: { external_ref: string | null; display_name: string }): string {
  return c.external_ref ? `${c.display_name}, ${c.external_ref}` : c.display_name;
}

function differs(existing: object, fields: Record<string, unknown>): boolean {
  return Object.entries(fields).some(([k, v]) => (existing as Record<string, unknown>)[k] !== v);
}
