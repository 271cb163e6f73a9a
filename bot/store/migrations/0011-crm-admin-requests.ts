import { sql, type Kysely } from 'kysely';

/**
 * Requests that wait on CRM administrators. `visibility_requests` hold a user's "Ask my administrator":
 * at most one open per CRM user (a partial unique index, so two presses at the same moment cannot both
 * open one), and once decided, who decided and when. `request_cards` remember every card posted for a
 * request (visibility or work e-mail correction), where and to whom, so a decision redraws all of them; `identity_requests.resolution`
 * says how a work e-mail request was settled.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('visibility_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('crm_user_id', 'text', (c) => c.notNull().references('crm_users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'granted', 'declined')`))
    .addColumn('asked_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('visibility_requests_one_open')
    .unique()
    .on('visibility_requests')
    .column('crm_user_id')
    .where(sql.ref('status'), '=', 'open')
    .execute();
  await db.schema
    .createTable('request_cards')
    .addColumn('request_kind', 'text', (c) =>
      c.notNull().check(sql`request_kind in ('visibility', 'identity')`),
    )
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('conversation_key', 'text', (c) => c.notNull())
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text')
    .addColumn('recipient_name', 'text', (c) => c.notNull())
    .addColumn('posted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('request_cards_pk', [
      'request_kind',
      'request_id',
      'conversation_key',
      'activity_id',
    ])
    .execute();
  // Who settled a work e-mail request and how, in the words every card for it shows.
  await db.schema.alterTable('identity_requests').addColumn('resolution', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('identity_requests').dropColumn('resolution').execute();
  await db.schema.dropTable('request_cards').execute();
  await db.schema.dropTable('visibility_requests').execute();
}
