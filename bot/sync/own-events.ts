import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely, Selectable } from 'kysely';
import { newId, toIso, toJsonText } from '../store/columns.js';
import type { CrmAppointmentsTable, Database } from '../store/schema.js';
import type { DeltaEntry, DeltaPage } from './core/delta-page.js';
import { deltaEventSchema, type DeltaEvent } from './core/graph-items.js';
import { decideOwnEvent, type OwnAppointmentState, type OwnEventDecision } from './core/own-event-change.js';
import { graphFailure } from './graph-client.js';

/**
 * The diary's reader meets the events the worker wrote from CRM appointments (diary-outbound.ts).
 * They are taken out of the page before it is filed, so a CRM appointment never comes back as a new
 * diary entry; what they say is applied to their appointment instead (core/own-event-change.ts):
 * our own writes coming back change nothing, a move, retitle or cancellation in Outlook changes or
 * removes the appointment. Applying is idempotent (the stored changeKey marks what was taken), so a
 * page read again after a crash changes nothing twice.
 */

type Row = Selectable<CrmAppointmentsTable>;

export interface OwnEventsDeps {
  db: Kysely<Database>;
  client: Client;
  accountId: string;
  now(): number;
}

function history(
  appointmentId: string,
  at: string,
  change: string,
  version: number,
  detail: Record<string, unknown> = {},
) {
  return {
    id: newId(),
    appointment_id: appointmentId,
    at,
    source: 'outlook' as const,
    change,
    version,
    detail: toJsonText(detail),
  };
}

export async function applyOwnEventDecision(
  db: Kysely<Database>,
  row: Row,
  decision: OwnEventDecision,
  at: string,
): Promise<void> {
  if (decision.kind === 'echo' || decision.kind === 'invalid') return;
  await db.transaction().execute(async (trx) => {
    if (decision.kind === 'removed') {
      if (row.removed_at) return;
      const version = row.version + 1;
      await trx
        .updateTable('crm_appointments')
        .set({
          removed_at: at,
          version,
          changed_at: at,
          updated_at: at,
          // A deleted event is gone; a cancelled one is removed by the next outbound pass.
          ...(decision.reason === 'deleted'
            ? { outlook_event_id: null, outlook_change_key: null, outlook_written_version: version }
            : {}),
        })
        .where('id', '=', row.id)
        .execute();
      await trx
        .insertInto('crm_appointment_history')
        .values(history(row.id, at, `${decision.reason}_in_outlook`, version))
        .execute();
      return;
    }
    if (decision.kind === 'keep_crm') {
      await trx
        .updateTable('crm_appointments')
        .set({ outlook_change_key: decision.changeKey, updated_at: at })
        .where('id', '=', row.id)
        .execute();
      await trx
        .insertInto('crm_appointment_history')
        .values(
          history(row.id, at, 'conflict_lost', row.version, { lost: 'outlook', outlook: decision.lost }),
        )
        .execute();
      return;
    }
    const version = row.version + 1;
    const f = decision.fields;
    await trx
      .updateTable('crm_appointments')
      .set({
        subject: f.subject,
        start_at: f.startAt,
        end_at: f.endAt,
        location: f.location,
        version,
        changed_at: at,
        updated_at: at,
        outlook_change_key: decision.changeKey,
        // Without a conflict Outlook already holds this version; after one, the CRM's other pending
        // fields (notes, attendees) still have to be written.
        ...(decision.conflict ? {} : { outlook_written_version: version }),
      })
      .where('id', '=', row.id)
      .execute();
    await trx
      .insertInto('crm_appointment_history')
      .values(history(row.id, at, 'changed_in_outlook', version, { ...f }))
      .execute();
    if (decision.conflict)
      await trx
        .insertInto('crm_appointment_history')
        .values(
          history(row.id, at, 'conflict_lost', version, {
            lost: 'crm',
            crm: { subject: row.subject, startAt: row.start_at, endAt: row.end_at, location: row.location },
          }),
        )
        .execute();
  });
}

export function ownState(row: Row): OwnAppointmentState {
  return {
    subject: row.subject,
    startAt: row.start_at,
    endAt: row.end_at,
    location: row.location,
    version: row.version,
    changedAt: row.changed_at,
    outlookWrittenVersion: row.outlook_written_version,
    outlookChangeKey: row.outlook_change_key,
  };
}

/** Our event as Outlook holds it now, or undefined when it was deleted (404). */
export async function readOwnEvent(client: Client, id: string): Promise<DeltaEvent | undefined> {
  try {
    const raw: unknown = await client
      .api(`/me/events/${encodeURIComponent(id)}`)
      .header('Prefer', 'IdType="ImmutableId", outlook.timezone="UTC"')
      .get();
    const parsed = deltaEventSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  } catch (err) {
    if (graphFailure(err)?.status === 404) return undefined;
    throw err;
  }
}

/** Applies the page's entries about our own events and returns the page without them. */
export async function takeOwnEvents(
  deps: OwnEventsDeps,
  page: DeltaPage<DeltaEvent>,
): Promise<DeltaPage<DeltaEvent>> {
  const ids = [...new Set(page.entries.map((e) => e.id))];
  if (ids.length === 0) return page;
  const rows = await deps.db
    .selectFrom('crm_appointments as c')
    .innerJoin('sync_accounts as a', 'a.crm_user_id', 'c.owner_crm_user_id')
    .selectAll('c')
    .where('a.id', '=', deps.accountId)
    .where('c.outlook_event_id', 'in', ids)
    .execute();
  if (rows.length === 0) return page;
  const byEvent = new Map(rows.map((r) => [r.outlook_event_id!, r]));
  const rest: DeltaEntry<DeltaEvent>[] = [];
  for (const entry of page.entries) {
    const row = byEvent.get(entry.id);
    if (!row) {
      rest.push(entry);
      continue;
    }
    const at = toIso(deps.now());
    const current = await deps.db
      .selectFrom('crm_appointments')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    if (entry.kind === 'invalid') continue;
    const event = entry.kind === 'item' ? entry.item : await readOwnEvent(deps.client, entry.id);
    const decision: OwnEventDecision = event
      ? decideOwnEvent(ownState(current), event)
      : { kind: 'removed', reason: 'deleted' };
    await applyOwnEventDecision(deps.db, current, decision, at);
  }
  return { ...page, entries: rest };
}
