import type { Kysely } from 'kysely';

/**
 * Browser sign-ins in flight. The row id is the OAuth `state` Entra echoes back; the PKCE verifier
 * stays here (sealed by the vault) and never travels through the browser. `ticket_jti` is unique so a
 * sign-in link from chat can start one sign-in only; `completed_at` makes the callback single-use.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sign_in_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_jti', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema
    .createIndex('sign_in_attempts_expiry')
    .on('sign_in_attempts')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_attempts').execute();
}
