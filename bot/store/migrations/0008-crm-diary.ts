import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

/**
 * The CRM's own diary: appointments the CRM creates, changes and removes through its API, each owned by
 * one CRM user and written to that user's Outlook calendar. A removal keeps the row (`removed_at`) so
 * the event written from it can still be taken out of the calendar. The CRM service credentials that
 * may call that API are kept as SHA-256 hashes only: the key itself is shown once, when it is made.
 */

type Col = ColumnDefinitionBuilder;
const required = (c: Col) => c.notNull();
const flag = (column: string) => (c: Col) =>
  c
    .notNull()
    .defaultTo(0)
    .check(sql`${sql.ref(column)} in (0, 1)`);

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  await s
    .createTable('crm_service_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_hint', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('revoked_at', 'text')
    .execute();
  await s.createIndex('crm_service_keys_tenant').on('crm_service_keys').column('tenant_id').execute();

  await s
    .createTable('crm_appointments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('crm_id', 'text', required)
    .addColumn('owner_crm_user_id', 'text', (c) => c.notNull().references('crm_users.id').onDelete('cascade'))
    .addColumn('subject', 'text', required)
    .addColumn('start_at', 'text', required)
    .addColumn('end_at', 'text', required)
    .addColumn('time_zone', 'text', required)
    .addColumn('location', 'text')
    .addColumn('attendees', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('invite_attendees', 'integer', flag('invite_attendees'))
    .addColumn('notes', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('changed_at', 'text', required)
    .addColumn('removed_at', 'text')
    .addColumn('outlook_event_id', 'text')
    .addColumn('outlook_ical_uid', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('crm_appointments_tenant_crm_id', ['tenant_id', 'crm_id'])
    .addCheckConstraint('crm_appointments_end_after_start', sql`end_at > start_at`)
    .execute();
  await s
    .createIndex('crm_appointments_owner')
    .on('crm_appointments')
    .columns(['owner_crm_user_id', 'changed_at'])
    .execute();

  await s
    .createTable('crm_appointment_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('appointment_id', 'text', (c) =>
      c.notNull().references('crm_appointments.id').onDelete('cascade'),
    )
    .addColumn('at', 'text', required)
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('crm', 'outlook')`))
    .addColumn('change', 'text', required)
    .addColumn('version', 'integer', required)
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await s
    .createIndex('crm_appointment_history_appointment')
    .on('crm_appointment_history')
    .columns(['appointment_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crm_appointment_history').execute();
  await db.schema.dropTable('crm_appointments').execute();
  await db.schema.dropTable('crm_service_keys').execute();
}
