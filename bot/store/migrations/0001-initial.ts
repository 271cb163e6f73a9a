import { sql, type ColumnDefinitionBuilder, type Kysely, type RawBuilder } from 'kysely';

/**
 * The first schema. Migrations are history: never edit this file once released; add 0002-... instead.
 * Value lists in CHECK constraints are therefore written out here rather than imported from schema.ts
 * (a test checks they still agree). Column representations are explained in schema.ts.
 */

type Col = ColumnDefinitionBuilder;

const oneOf = (column: string, values: readonly string[]): RawBuilder<unknown> =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
const flag = (column: string) => (c: Col) =>
  c
    .notNull()
    .defaultTo(0)
    .check(sql`${sql.ref(column)} in (0, 1)`);
const lowercase = (column: string) => (c: Col) =>
  c.notNull().check(sql`${sql.ref(column)} = lower(${sql.ref(column)})`);
const jsonArray = (c: Col) => c.notNull().defaultTo('[]');
const required = (c: Col) => c.notNull();
const count = (c: Col) => c.notNull().defaultTo(0);

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  await s
    .createTable('conversation_refs')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', required)
    .addColumn('kind', 'text', (c) => c.notNull().check(oneOf('kind', ['personal', 'channel', 'groupChat'])))
    .addColumn('aad_object_id', 'text')
    .addColumn('reference', 'text', required)
    .addColumn('updated_at', 'text', required)
    .execute();
  await s
    .createIndex('conversation_refs_tenant_user')
    .on('conversation_refs')
    .columns(['tenant_id', 'aad_object_id'])
    .execute();

  await s
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', required)
    .addColumn('domains', 'text', jsonArray)
    .addColumn('it_channel_ref_key', 'text', (c) =>
      c.references('conversation_refs.key').onDelete('set null'),
    )
    .addColumn('purge_on_disable', 'integer', flag('purge_on_disable'))
    .addColumn('tenant_blocklist', 'text', jsonArray)
    .addColumn('consent_granted_at', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .execute();

  await s
    .createTable('crm_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('work_email', 'text', lowercase('work_email'))
    .addColumn('display_name', 'text', required)
    .addColumn('is_admin', 'integer', flag('is_admin'))
    .addColumn('cloud_sync_visible', 'integer', flag('cloud_sync_visible'))
    .addColumn('teams_user_aad_id', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('crm_users_tenant_email', ['tenant_id', 'work_email'])
    .addUniqueConstraint('crm_users_tenant_aad', ['tenant_id', 'teams_user_aad_id'])
    .execute();
  await s.createIndex('crm_users_work_email').on('crm_users').column('work_email').execute();

  await s
    .createTable('crm_contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('display_name', 'text', required)
    .addColumn('kind', 'text', (c) => c.notNull().check(oneOf('kind', ['candidate', 'client', 'other'])))
    .addColumn('organisation', 'text')
    .addColumn('external_ref', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('crm_contacts_tenant_ref', ['tenant_id', 'external_ref'])
    .execute();

  await s
    .createTable('crm_contact_emails')
    .addColumn('contact_id', 'text', (c) => c.notNull().references('crm_contacts.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('email', 'text', lowercase('email'))
    .addUniqueConstraint('crm_contact_emails_tenant_email', ['tenant_id', 'email'])
    .execute();
  await s.createIndex('crm_contact_emails_email').on('crm_contact_emails').column('email').execute();
  await s.createIndex('crm_contact_emails_contact').on('crm_contact_emails').column('contact_id').execute();

  await s
    .createTable('sync_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('crm_user_id', 'text', (c) =>
      c.notNull().unique().references('crm_users.id').onDelete('cascade'),
    )
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .check(
          oneOf('state', [
            'not_visible',
            'ready',
            'signing_in',
            'awaiting_admin_consent',
            'identity_mismatch',
            'activating',
            'active',
            'reconnect_required',
            'paused',
            'disabled',
          ]),
        ),
    )
    .addColumn('state_reason', 'text')
    .addColumn('ms_tenant_id', 'text')
    .addColumn('ms_object_id', 'text')
    .addColumn('ms_upn', 'text')
    .addColumn('ms_addresses', 'text', jsonArray)
    .addColumn('mail_enabled', 'integer', flag('mail_enabled'))
    .addColumn('diary_enabled', 'integer', flag('diary_enabled'))
    .addColumn('personal_blocklist', 'text', jsonArray)
    .addColumn('private_mail_policy', 'text', (c) =>
      c
        .notNull()
        .defaultTo('exclude')
        .check(oneOf('private_mail_policy', ['exclude', 'include'])),
    )
    .addColumn('next_run_at', 'text')
    .addColumn('throttled_until', 'text')
    .addColumn('last_synced_at', 'text')
    .addColumn('consecutive_failures', 'integer', count)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    // One Microsoft 365 mailbox syncs for one CRM user only (NULLs, i.e. not signed in yet, are distinct).
    .addUniqueConstraint('sync_accounts_ms_identity', ['ms_tenant_id', 'ms_object_id'])
    .execute();
  await s
    .createIndex('sync_accounts_tenant_state')
    .on('sync_accounts')
    .columns(['tenant_id', 'state'])
    .execute();
  await s.createIndex('sync_accounts_next_run').on('sync_accounts').column('next_run_at').execute();

  await s
    .createTable('token_caches')
    .addColumn('account_key', 'text', (c) => c.primaryKey())
    .addColumn('ciphertext', 'text', required)
    .addColumn('key_id', 'text', required)
    .addColumn('updated_at', 'text', required)
    .execute();

  await s
    .createTable('approval_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(oneOf('status', ['pending', 'granted', 'declined'])),
    )
    .addColumn('requested_scopes', 'text', jsonArray)
    .addColumn('card_conversation_key', 'text')
    .addColumn('card_activity_id', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decline_reason', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .execute();
  // At most one open request per tenant: later blocked users join it instead of opening another.
  await s
    .createIndex('approval_requests_one_pending')
    .on('approval_requests')
    .column('tenant_id')
    .unique()
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .execute();

  await s
    .createTable('approval_request_users')
    .addColumn('request_id', 'text', (c) =>
      c.notNull().references('approval_requests.id').onDelete('cascade'),
    )
    .addColumn('crm_user_id', 'text', (c) => c.notNull().references('crm_users.id').onDelete('cascade'))
    .addColumn('justification', 'text')
    .addColumn('requested_at', 'text', required)
    .addColumn('notified_at', 'text')
    .addUniqueConstraint('approval_request_users_unique', ['request_id', 'crm_user_id'])
    .execute();

  await s
    .createTable('sync_cursors')
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('resource', 'text', required)
    .addColumn('delta_link', 'text')
    .addColumn('window_start', 'text')
    .addColumn('window_end', 'text')
    .addColumn('updated_at', 'text', required)
    .addPrimaryKeyConstraint('sync_cursors_pk', ['account_id', 'resource'])
    .execute();

  await s
    .createTable('graph_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('resource', 'text', required)
    .addColumn('client_state_hash', 'text', required)
    .addColumn('expires_at', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .execute();
  await s.createIndex('graph_subscriptions_expiry').on('graph_subscriptions').column('expires_at').execute();
  await s.createIndex('graph_subscriptions_account').on('graph_subscriptions').column('account_id').execute();

  await s
    .createTable('mail_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('internet_message_id', 'text', required)
    .addColumn('subject', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('from_address', 'text')
    .addColumn('to_addresses', 'text', jsonArray)
    .addColumn('cc_addresses', 'text', jsonArray)
    .addColumn('sensitivity', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('mail_items_tenant_message', ['tenant_id', 'internet_message_id'])
    .execute();
  await s.createIndex('mail_items_tenant_sent').on('mail_items').columns(['tenant_id', 'sent_at']).execute();

  await s
    .createTable('mail_item_owners')
    .addColumn('mail_item_id', 'text', (c) => c.notNull().references('mail_items.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('graph_message_id', 'text', required)
    .addColumn('folder', 'text', required)
    .addColumn('direction', 'text', (c) => c.notNull().check(oneOf('direction', ['sent', 'received'])))
    .addUniqueConstraint('mail_item_owners_account_message', ['account_id', 'graph_message_id'])
    .execute();
  await s.createIndex('mail_item_owners_item').on('mail_item_owners').column('mail_item_id').execute();

  await s
    .createTable('mail_item_contacts')
    .addColumn('mail_item_id', 'text', (c) => c.notNull().references('mail_items.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull().references('crm_contacts.id').onDelete('cascade'))
    .addUniqueConstraint('mail_item_contacts_unique', ['mail_item_id', 'contact_id'])
    .execute();
  await s.createIndex('mail_item_contacts_contact').on('mail_item_contacts').column('contact_id').execute();

  await s
    .createTable('diary_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('ical_uid', 'text', required)
    .addColumn('occurrence_start', 'text', required)
    .addColumn('subject', 'text')
    .addColumn('start_at', 'text', required)
    .addColumn('end_at', 'text', required)
    .addColumn('location', 'text')
    .addColumn('is_cancelled', 'integer', flag('is_cancelled'))
    .addColumn('organizer', 'text')
    .addColumn('attendees', 'text', jsonArray)
    .addColumn('series_master_id', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('diary_items_occurrence', ['tenant_id', 'ical_uid', 'occurrence_start'])
    .execute();
  await s
    .createIndex('diary_items_tenant_start')
    .on('diary_items')
    .columns(['tenant_id', 'start_at'])
    .execute();

  await s
    .createTable('diary_item_owners')
    .addColumn('diary_item_id', 'text', (c) => c.notNull().references('diary_items.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('graph_event_id', 'text', required)
    .addUniqueConstraint('diary_item_owners_account_event', ['account_id', 'graph_event_id'])
    .execute();
  await s.createIndex('diary_item_owners_item').on('diary_item_owners').column('diary_item_id').execute();

  await s
    .createTable('diary_item_contacts')
    .addColumn('diary_item_id', 'text', (c) => c.notNull().references('diary_items.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull().references('crm_contacts.id').onDelete('cascade'))
    .addUniqueConstraint('diary_item_contacts_unique', ['diary_item_id', 'contact_id'])
    .execute();
  await s.createIndex('diary_item_contacts_contact').on('diary_item_contacts').column('contact_id').execute();

  await s
    .createTable('sync_skips')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('resource', 'text', required)
    .addColumn('graph_id', 'text', required)
    .addColumn('reason', 'text', required)
    .addColumn('summary', 'text', required)
    .addColumn('at', 'text', required)
    // A replayed page records the same skip again; it updates the row rather than adding one.
    .addUniqueConstraint('sync_skips_item', ['account_id', 'resource', 'graph_id'])
    .execute();
  await s.createIndex('sync_skips_account_at').on('sync_skips').columns(['account_id', 'at']).execute();

  await s
    .createTable('sync_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('resource', 'text', required)
    .addColumn('started_at', 'text', required)
    .addColumn('ended_at', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(oneOf('status', ['running', 'succeeded', 'failed', 'throttled', 'cancelled'])),
    )
    .addColumn('added', 'integer', count)
    .addColumn('updated', 'integer', count)
    .addColumn('removed', 'integer', count)
    .addColumn('skipped', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('requests', 'integer', count)
    .addColumn('throttled_ms', 'integer', count)
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('progress_done', 'integer', count)
    .addColumn('progress_estimate', 'integer')
    .execute();
  await s
    .createIndex('sync_runs_account_started')
    .on('sync_runs')
    .columns(['account_id', 'started_at'])
    .execute();

  await s
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text')
    .addColumn('actor', 'text', required)
    .addColumn('action', 'text', required)
    .addColumn('subject', 'text')
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    .addColumn('reason', 'text')
    .addColumn('at', 'text', required)
    .execute();
  await s.createIndex('audit_log_tenant_at').on('audit_log').columns(['tenant_id', 'at']).execute();
  await s.createIndex('audit_log_subject_at').on('audit_log').columns(['subject', 'at']).execute();

  await s
    .createTable('job_leases')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('sync_accounts.id').onDelete('cascade'))
    .addColumn('owner', 'text', required)
    .addColumn('lease_until', 'text', required)
    .addColumn('heartbeat_at', 'text', required)
    .execute();
  await s.createIndex('job_leases_lease_until').on('job_leases').column('lease_until').execute();
}
