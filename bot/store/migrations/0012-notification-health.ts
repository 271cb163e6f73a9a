import type { Kysely } from 'kysely';

/**
 * What the worker needs to poll an idle account rarely while its change notifications work: when
 * its next delta is due apart from upkeep runs, whether a notification asked for one, and per
 * subscription when it was last authorized, last heard from, and whether Graph asked to reauthorize.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_accounts').addColumn('delta_due_at', 'text').execute();
  await db.schema
    .alterTable('sync_accounts')
    .addColumn('delta_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('graph_subscriptions').addColumn('authorized_at', 'text').execute();
  await db.schema.alterTable('graph_subscriptions').addColumn('last_heard_at', 'text').execute();
  await db.schema
    .alterTable('graph_subscriptions')
    .addColumn('reauthorize_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['reauthorize_requested', 'last_heard_at', 'authorized_at'])
    await db.schema.alterTable('graph_subscriptions').dropColumn(column).execute();
  for (const column of ['delta_requested', 'delta_due_at'])
    await db.schema.alterTable('sync_accounts').dropColumn(column).execute();
}
