import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import { newId, nowIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';

/**
 * "Disable and remove" takes out of the user's Outlook calendar the events Cloud Sync wrote there from
 * CRM appointments, while the account's tokens still exist. The appointments stay in the CRM, marked as
 * no longer in Outlook, so switching Cloud Sync on again writes them afresh. Returns how many events
 * were removed, for the receipt the user gets.
 */
export async function removeCrmEvents(
  db: Kysely<Database>,
  client: Client,
  accountId: string,
): Promise<number> {
  const rows = await db
    .selectFrom('crm_appointments as c')
    .innerJoin('sync_accounts as a', 'a.crm_user_id', 'c.owner_crm_user_id')
    .select(['c.id', 'c.outlook_event_id', 'c.version'])
    .where('a.id', '=', accountId)
    .where('c.outlook_event_id', 'is not', null)
    .execute();
  let removed = 0;
  for (const row of rows) {
    try {
      await client
        .api(`/me/events/${encodeURIComponent(row.outlook_event_id!)}`)
        .header('Prefer', 'IdType="ImmutableId"')
        .delete();
      removed += 1;
    } catch (err) {
      // Already deleted in Outlook: nothing left to remove.
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    const at = nowIso();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('crm_appointments')
        .set({
          outlook_event_id: null,
          outlook_ical_uid: null,
          outlook_change_key: null,
          outlook_written_version: null,
          outlook_create_key: null,
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
          change: 'removed_from_outlook_on_disable',
          version: row.version,
        })
        .execute();
    });
  }
  return removed;
}

/** The removal as the enablement service calls it: Graph as the signed-in user, by account id. */
export function createCrmEventRemoval(deps: {
  db: Kysely<Database>;
  clientFor: (account: { accountId: string; tenantId: string; objectId: string }) => Client;
}) {
  return async (accountId: string): Promise<number> => {
    const ms = await deps.db
      .selectFrom('sync_accounts')
      .select(['ms_tenant_id', 'ms_object_id'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!ms?.ms_tenant_id || !ms.ms_object_id) return 0;
    return removeCrmEvents(
      deps.db,
      deps.clientFor({ accountId, tenantId: ms.ms_tenant_id, objectId: ms.ms_object_id }),
      accountId,
    );
  };
}
