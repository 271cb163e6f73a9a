import type { Kysely, Selectable, Transaction } from 'kysely';
import { fromFlag, fromJsonText, newId, nowIso, toFlag, toJsonText } from '../../store/columns.js';
import { isUniqueViolation } from '../../store/errors.js';
import type { CrmAppointmentsTable, CrmAttendee, Database } from '../../store/schema.js';
import type { AppointmentInput } from './appointment-input.js';
import type {
  CrmAppointment,
  CrmDiary,
  CrmDiaryPut,
  CrmDiaryRemove,
  CrmDiaryRefusal,
} from './crm-diary-port.js';

/** The CRM diary kept in the project's own store (migration 0008). */

type Db = Kysely<Database>;
type Row = Selectable<CrmAppointmentsTable>;

export function toAppointment(row: Row): CrmAppointment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    crmId: row.crm_id,
    ownerCrmUserId: row.owner_crm_user_id,
    subject: row.subject,
    start: row.start_at,
    end: row.end_at,
    timeZone: row.time_zone,
    location: row.location,
    attendees: fromJsonText(row.attendees),
    inviteAttendees: fromFlag(row.invite_attendees),
    notes: row.notes,
    version: row.version,
    changedAt: row.changed_at,
    removedAt: row.removed_at,
    outlook: row.outlook_event_id ? { eventId: row.outlook_event_id, iCalUId: row.outlook_ical_uid } : null,
  };
}

/** The columns an input sets, with owner and contacts resolved to what the store holds. */
type Content = Pick<
  Row,
  'subject' | 'start_at' | 'end_at' | 'time_zone' | 'location' | 'attendees' | 'invite_attendees' | 'notes'
>;

async function resolve(
  trx: Transaction<Database>,
  tenantId: string,
  input: AppointmentInput,
): Promise<{ ok: true; ownerId: string; content: Content } | ({ ok: false } & CrmDiaryRefusal)> {
  const owner = await trx
    .selectFrom('crm_users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('work_email', '=', input.owner)
    .executeTakeFirst();
  if (!owner) return { ok: false, reason: 'unknown_owner', owner: input.owner };

  const refs = input.attendees.flatMap((a) => ('contact' in a ? [a.contact] : []));
  const contacts = refs.length
    ? await trx
        .selectFrom('crm_contacts as c')
        .innerJoin('crm_contact_emails as e', 'e.contact_id', 'c.id')
        .select(['c.id', 'c.external_ref', 'c.display_name', 'e.email'])
        .where('c.tenant_id', '=', tenantId)
        .where('c.external_ref', 'in', refs)
        .orderBy('e.email')
        .execute()
    : [];
  const byRef = new Map<string, (typeof contacts)[number][]>();
  for (const c of contacts) byRef.set(c.external_ref!, [...(byRef.get(c.external_ref!) ?? []), c]);
  const pick = (a: { contact: string; address?: string }) =>
    byRef.get(a.contact)?.find((c) => a.address === undefined || c.email === a.address);
  const unknown = [
    ...new Set(input.attendees.flatMap((a) => ('contact' in a && !pick(a) ? [a.contact] : []))),
  ];
  if (unknown.length) return { ok: false, reason: 'unknown_contact', contacts: unknown };

  const attendees: CrmAttendee[] = input.attendees.map((a) => {
    if ('contact' in a) {
      const c = pick(a)!;
      return { address: c.email, name: c.display_name, contactId: c.id };
    }
    return { address: a.address, name: a.name ?? null, contactId: null };
  });
  return {
    ok: true,
    ownerId: owner.id,
    content: {
      subject: input.subject,
      start_at: input.start,
      end_at: input.end,
      time_zone: input.timeZone,
      location: input.location || null,
      attendees: toJsonText(attendees),
      invite_attendees: toFlag(input.inviteAttendees),
      notes: input.notes ?? null,
    },
  };
}

function sameContent(row: Row, content: Content): boolean {
  return (Object.keys(content) as (keyof Content)[]).every((k) => row[k] === content[k]);
}

async function putOnce(
  db: Db,
  tenantId: string,
  crmId: string,
  input: AppointmentInput,
): Promise<CrmDiaryPut> {
  return db.transaction().execute(async (trx) => {
    const resolved = await resolve(trx, tenantId, input);
    if (!resolved.ok) return resolved;
    const { ownerId, content } = resolved;
    const at = nowIso();
    const existing = await trx
      .selectFrom('crm_appointments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('crm_id', '=', crmId)
      .executeTakeFirst();

    if (!existing) {
      const row: Row = {
        id: newId(),
        tenant_id: tenantId,
        crm_id: crmId,
        owner_crm_user_id: ownerId,
        ...content,
        version: 1,
        changed_at: at,
        removed_at: null,
        outlook_event_id: null,
        outlook_ical_uid: null,
        outlook_written_version: null,
        outlook_change_key: null,
        outlook_create_key: null,
        outbound_error: null,
        outbound_failed_at: null,
        created_at: at,
        updated_at: at,
      };
      await trx.insertInto('crm_appointments').values(row).execute();
      await recordHistory(trx, row.id, 'created', 1, at);
      return { ok: true, outcome: 'created', appointment: toAppointment(row) };
    }
    // Moving an appointment to another person's calendar is a removal and a new booking, which the CRM
    // says explicitly rather than as a side effect of an edit.
    if (existing.owner_crm_user_id !== ownerId)
      return { ok: false, reason: 'owner_changed', owner: input.owner };
    if (existing.removed_at === null && sameContent(existing, content))
      return { ok: true, outcome: 'unchanged', appointment: toAppointment(existing) };

    const version = existing.version + 1;
    const updated: Row = {
      ...existing,
      ...content,
      version,
      changed_at: at,
      removed_at: null,
      updated_at: at,
    };
    await trx
      .updateTable('crm_appointments')
      .set({ ...content, version, changed_at: at, removed_at: null, updated_at: at })
      .where('id', '=', existing.id)
      .execute();
    await recordHistory(trx, existing.id, existing.removed_at ? 'restored' : 'updated', version, at);
    return { ok: true, outcome: 'updated', appointment: toAppointment(updated) };
  });
}

async function recordHistory(
  trx: Transaction<Database>,
  appointmentId: string,
  change: string,
  version: number,
  at: string,
): Promise<void> {
  await trx
    .insertInto('crm_appointment_history')
    .values({ id: newId(), appointment_id: appointmentId, at, source: 'crm', change, version })
    .execute();
}

export function createStoreCrmDiary(db: Db): CrmDiary {
  return {
    async put(tenantId, crmId, input) {
      try {
        return await putOnce(db, tenantId, crmId, input);
      } catch (err) {
        // Two first deliveries of one appointment raced; the loser now finds the winner's row.
        if (!isUniqueViolation(err)) throw err;
        return putOnce(db, tenantId, crmId, input);
      }
    },

    async remove(tenantId, crmId): Promise<CrmDiaryRemove> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('crm_appointments')
          .select(['id', 'version', 'removed_at'])
          .where('tenant_id', '=', tenantId)
          .where('crm_id', '=', crmId)
          .executeTakeFirst();
        if (!row) return 'not_found';
        if (row.removed_at) return 'already_removed';
        const at = nowIso();
        const version = row.version + 1;
        await trx
          .updateTable('crm_appointments')
          .set({ removed_at: at, version, changed_at: at, updated_at: at })
          .where('id', '=', row.id)
          .execute();
        await recordHistory(trx, row.id, 'removed', version, at);
        return 'removed';
      });
    },

    async get(tenantId, crmId) {
      const row = await db
        .selectFrom('crm_appointments')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('crm_id', '=', crmId)
        .executeTakeFirst();
      return row && toAppointment(row);
    },
  };
}

/** The sync account that writes an appointment to Outlook (its owner's), if the owner has one. */
export async function ownerAccountOf(db: Db, tenantId: string, crmId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('crm_appointments as c')
    .innerJoin('sync_accounts as a', 'a.crm_user_id', 'c.owner_crm_user_id')
    .select('a.id')
    .where('c.tenant_id', '=', tenantId)
    .where('c.crm_id', '=', crmId)
    .executeTakeFirst();
  return row?.id;
}
