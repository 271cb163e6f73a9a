import type { Kysely } from 'kysely';

/**
 * Signed links that may be used once (the admin-consent `state`): the first use inserts the token's
 * jti; the primary key refuses a second. Rows are kept until the token would have expired anyway.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('used_link_states')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('used_link_states_expiry')
    .on('used_link_states')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('used_link_states').execute();
}
