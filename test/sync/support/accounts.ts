import { newId, nowIso, toJsonText } from '../../../bot/store/columns.js';
import type { SyncAccountState } from '../../../bot/store/schema.js';
import type { Store } from '../../../bot/store/store.js';

/**
 * CRM rows for sync tests, inserted directly: the worker's input is the store, whoever filled it.
 * Addresses follow docs/demo-identities.md.
 */

export const CONTOSO = {
  id: '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51',
  name: 'Contoso Recruitment',
  domain: 'contoso.com',
};

export async function seedTenant(store: Store, tenant = CONTOSO, blocklist: string[] = []): Promise<void> {
  const at = nowIso();
  await store.db
    .insertInto('tenants')
    .values({
      id: tenant.id,
      name: tenant.name,
      domains: toJsonText([tenant.domain]),
      tenant_blocklist: toJsonText(blocklist),
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function seedContact(
  store: Store,
  tenantId: string,
  name: string,
  emails: string[],
): Promise<string> {
  const id = newId();
  const at = nowIso();
  await store.db
    .insertInto('crm_contacts')
    .values({
      id,
      tenant_id: tenantId,
      display_name: name,
      kind: 'candidate',
      created_at: at,
      updated_at: at,
    })
    .execute();
  await store.db
    .insertInto('crm_contact_emails')
    .values(emails.map((email) => ({ contact_id: id, tenant_id: tenantId, email: email.toLowerCase() })))
    .execute();
  return id;
}

export interface SeededAccount {
  accountId: string;
  crmUserId: string;
}

export async function seedAccount(
  store: Store,
  options: {
    tenantId: string;
    email: string;
    objectId?: string;
    state?: SyncAccountState;
    nextRunAt?: string | null;
    mail?: boolean;
    diary?: boolean;
  },
): Promise<SeededAccount> {
  const at = nowIso();
  const crmUserId = newId();
  const accountId = newId();
  await store.db
    .insertInto('crm_users')
    .values({
      id: crmUserId,
      tenant_id: options.tenantId,
      work_email: options.email.toLowerCase(),
      display_name: options.email,
      cloud_sync_visible: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await store.db
    .insertInto('sync_accounts')
    .values({
      id: accountId,
      tenant_id: options.tenantId,
      crm_user_id: crmUserId,
      state: options.state ?? 'active',
      ms_tenant_id: options.objectId ? options.tenantId : null,
      ms_object_id: options.objectId ?? null,
      ms_upn: options.email.toLowerCase(),
      ms_addresses: toJsonText([options.email.toLowerCase()]),
      mail_enabled: options.mail === false ? 0 : 1,
      diary_enabled: options.diary === false ? 0 : 1,
      next_run_at: options.nextRunAt === undefined ? null : options.nextRunAt,
      created_at: at,
      updated_at: at,
    })
    .execute();
  return { accountId, crmUserId };
}
