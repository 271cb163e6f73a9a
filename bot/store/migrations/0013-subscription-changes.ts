import type { Kysely } from 'kysely';

/**
 * A change notification names its subscription, hence one synced resource (a folder or the
 * calendar): marking that subscription lets the next run read just that resource.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('graph_subscriptions')
    .addColumn('change_pending', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('graph_subscriptions').dropColumn('change_pending').execute();
}
