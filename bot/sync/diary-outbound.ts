import type { Client } from '@microsoft/microsoft-graph-client';
import type { Event } from '@microsoft/microsoft-graph-types';
import type { Kysely, Selectable } from 'kysely';
import { fromFlag, fromJsonText, newId, toIso } from '../store/columns.js';
import type { CrmAppointmentsTable, Database } from '../store/schema.js';
import {
  createBody,
  createKey,
  eventContent,
  outboundAction,
  ownEventFilter,
  type AppointmentForOutlook,
} from './core/crm-appointment-events.js';
import { graphFailure } from './graph-client.js';
import { decideOwnEvent, type OwnEventDecision } from './core/own-event-change.js';
import { applyOwnEventDecision, ownState, readOwnEvent } from './own-events.js';
import { ReconnectRequiredError } from './token-provider.js';

/**
 * Writes an account owner's CRM appointments to their Outlook calendar: creates, updates and removes
 * events until Outlook holds each appointment's latest version. Every Graph call is followed by a
 * commit of what it did; a crash between the two is repaired by the next pass:
 *
 * - create: the transactionId is reserved (committed) before the POST, so a retry sends the same one,
 *   and before any POST the calendar is searched for an event carrying the appointment's id in our
 *   extended property; one found is adopted (and updated) instead of creating a second;
 * - update and delete are idempotent (a delete answered 404 is done).
 *
 * Throttling (429/503 after the client's retries), a lost token and a lost lease stop the pass; any
 * other failure is recorded on the appointment (shown in the tab) and the pass goes on.
 */

export interface OutboundDeps {
  db: Kysely<Database>;
  client: Client;
  accountId: string;
  now(): number;
  /** Appointments written per pass; the rest follow in the next run. */
  batch?: number;
}

export interface OutboundResult {
  outcome: 'completed' | 'throttled' | 'reconnect_required';
  created: number;
  updated: number;
  deleted: number;
  failed: number;
}

type Row = Selectable<CrmAppointmentsTable>;

function forOutlook(row: Row): AppointmentForOutlook {
  return {
    id: row.id,
    subject: row.subject,
    startAt: row.start_at,
    endAt: row.end_at,
    location: row.location,
    notes: row.notes,
    attendees: fromJsonText(row.attendees),
    inviteAttendees: fromFlag(row.invite_attendees),
    version: row.version,
    removedAt: row.removed_at,
    outlookEventId: row.outlook_event_id,
    outlookWrittenVersion: row.outlook_written_version,
  };
}

/** Appointments of the account's owner whose Outlook event is behind (oldest change first). */
export async function pendingAppointments(
  db: Kysely<Database>,
  accountId: string,
  limit: number,
): Promise<Row[]> {
  return db
    .selectFrom('crm_appointments as c')
    .innerJoin('sync_accounts as a', 'a.crm_user_id', 'c.owner_crm_user_id')
    .selectAll('c')
    .where('a.id', '=', accountId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('c.removed_at', 'is', null),
          eb.or([
            eb('c.outlook_written_version', 'is', null),
            eb('c.outlook_written_version', '<', eb.ref('c.version')),
          ]),
        ]),
        eb.and([eb('c.removed_at', 'is not', null), eb('c.outlook_event_id', 'is not', null)]),
      ]),
    )
    .orderBy('c.changed_at')
    .limit(limit)
    .execute();
}

async function recordWritten(
  db: Kysely<Database>,
  row: Row,
  event: Pick<Event, 'id' | 'iCalUId' | 'changeKey'> | null,
  at: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('crm_appointments')
      .set({
        outlook_event_id: event?.id ?? null,
        outlook_ical_uid: event ? (event.iCalUId ?? row.outlook_ical_uid) : null,
        outlook_change_key: event?.changeKey ?? null,
        outlook_written_version: row.version,
        outlook_create_key: null,
        outbound_error: null,
        outbound_failed_at: null,
        updated_at: at,
      })
      .where('id', '=', row.id)
      .execute();
    await trx
      .insertInto('crm_appointment_history')
      .values({
        id: newId(),
        appointment_id: row.id,
        at,
        source: 'crm',
        change: event ? 'written_to_outlook' : 'removed_from_outlook',
        version: row.version,
      })
      .execute();
  });
}

async function findOwnEvent(client: Client, appointmentId: string): Promise<Event | undefined> {
  const found = (await client
    .api('/me/events')
    .header('Prefer', PREFER)
    .filter(ownEventFilter(appointmentId))
    .select('id,iCalUId,changeKey')
    .get()) as { value: Event[] };
  return found.value[0];
}

const isNotFound = (err: unknown) => graphFailure(err)?.status === 404;

/** The same immutable ids the diary's delta rounds use, so the reader recognises our events. */
const PREFER = 'IdType="ImmutableId"';

async function writeOne(deps: OutboundDeps, row: Row): Promise<'created' | 'updated' | 'deleted' | 'none'> {
  const { db, client } = deps;
  const a = forOutlook(row);
  const action = outboundAction(a);
  const at = () => toIso(deps.now());
  if (action === 'delete') {
    try {
      await client
        .api(`/me/events/${encodeURIComponent(row.outlook_event_id!)}`)
        .header('Prefer', PREFER)
        .delete();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await recordWritten(db, row, null, at());
    return 'deleted';
  }
  if (action === 'update') {
    // A change made in Outlook since our last write is settled by the conflict rule before ours goes
    // out, so writing the CRM's version never silently overwrites it.
    const outlook = await readOwnEvent(client, row.outlook_event_id!);
    const decision: OwnEventDecision = outlook
      ? decideOwnEvent(ownState(row), outlook)
      : { kind: 'removed', reason: 'deleted' };
    if (decision.kind !== 'echo' && decision.kind !== 'invalid') {
      await applyOwnEventDecision(db, row, decision, at());
      const fresh = await db
        .selectFrom('crm_appointments')
        .selectAll()
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      return outboundAction(forOutlook(fresh)) === 'none' ? 'none' : writeOne(deps, fresh);
    }
    try {
      const event = (await client
        .api(`/me/events/${encodeURIComponent(row.outlook_event_id!)}`)
        .header('Prefer', PREFER)
        .patch(eventContent(a))) as Event;
      await recordWritten(db, row, event, at());
      return 'updated';
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Deleted in Outlook before our change reached it: a removal there removes the appointment.
      await applyOwnEventDecision(db, row, { kind: 'removed', reason: 'deleted' }, at());
      return 'none';
    }
  }
  if (action === 'create') {
    let key = row.outlook_create_key;
    if (!key) {
      key = createKey(a);
      await db
        .updateTable('crm_appointments')
        .set({ outlook_create_key: key })
        .where('id', '=', row.id)
        .where('outlook_create_key', 'is', null)
        .execute();
    }
    const existing = await findOwnEvent(client, row.id);
    const event = existing
      ? ((await client
          .api(`/me/events/${encodeURIComponent(existing.id!)}`)
          .header('Prefer', PREFER)
          .patch(eventContent(a))) as Event)
      : ((await client.api('/me/events').header('Prefer', PREFER).post(createBody(a, key))) as Event);
    await recordWritten(db, row, event, at());
    return 'created';
  }
  return 'none';
}

export async function writeCrmAppointments(deps: OutboundDeps): Promise<OutboundResult> {
  const result: OutboundResult = { outcome: 'completed', created: 0, updated: 0, deleted: 0, failed: 0 };
  const rows = await pendingAppointments(deps.db, deps.accountId, deps.batch ?? 50);
  for (const row of rows) {
    try {
      const done = await writeOne(deps, row);
      if (done !== 'none') result[done] += 1;
    } catch (err) {
      if (err instanceof ReconnectRequiredError) return { ...result, outcome: 'reconnect_required' };
      const failure = graphFailure(err);
      if (failure && (failure.status === 429 || failure.status === 503))
        return { ...result, outcome: 'throttled' };
      result.failed += 1;
      const code = failure ? (failure.code ?? `http_${failure.status}`) : 'error';
      await deps.db
        .updateTable('crm_appointments')
        .set({ outbound_error: code, outbound_failed_at: toIso(deps.now()) })
        .where('id', '=', row.id)
        .execute();
    }
  }
  return result;
}
