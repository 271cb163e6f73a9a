import { sql, type Kysely } from 'kysely';

/**
 * Teams users the CRM does not know yet. `identity_sign_in_attempts` are browser
 * sign-ins that only read who the Teams user is in Microsoft 365 (every address of the account), before
 * any sync account exists; `identity_requests` keep, per Teams user, the addresses tried and the one to
 * suggest to the CRM administrators, until an administrator's correction (or a CRM import) resolves it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_sign_in_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_jti', 'text', (c) => c.notNull().unique())
    .addColumn('teams_tenant_id', 'text', (c) => c.notNull())
    .addColumn('teams_object_id', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema
    .createTable('identity_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('teams_object_id', 'text', (c) => c.notNull())
    .addColumn('teams_name', 'text', (c) => c.notNull())
    .addColumn('addresses_tried', 'text', (c) => c.notNull())
    .addColumn('suggested_address', 'text', (c) =>
      c.notNull().check(sql`suggested_address = lower(suggested_address)`),
    )
    .addColumn('crm_user_id', 'text', (c) => c.references('crm_users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'asked', 'resolved')`))
    .addColumn('asked_at', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('identity_requests_teams_user', ['tenant_id', 'teams_object_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('identity_requests').execute();
  await db.schema.dropTable('identity_sign_in_attempts').execute();
}
