import type { Kysely } from 'kysely';

/**
 * What the worker knows about each CRM appointment's Outlook event: the CRM version last written
 * there, the changeKey Graph gave our last write (a delta item with that changeKey is our own write
 * coming back, not a change in Outlook), the transactionId reserved before a create (a retry after a
 * crash sends the same one), and the last write's failure, for the tab.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('crm_appointments').addColumn('outlook_written_version', 'integer').execute();
  await db.schema.alterTable('crm_appointments').addColumn('outlook_change_key', 'text').execute();
  await db.schema.alterTable('crm_appointments').addColumn('outlook_create_key', 'text').execute();
  await db.schema.alterTable('crm_appointments').addColumn('outbound_error', 'text').execute();
  await db.schema.alterTable('crm_appointments').addColumn('outbound_failed_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [
    'outbound_failed_at',
    'outbound_error',
    'outlook_create_key',
    'outlook_change_key',
    'outlook_written_version',
  ])
    await db.schema.alterTable('crm_appointments').dropColumn(column).execute();
}
