import { newId, nowIso, toJsonText } from '../../../bot/store/columns.js';
import { recordActivation, type SignedInIdentity } from '../../../bot/enablement/activation.js';
import { applyStep } from '../../../bot/enablement/enablement-runner.js';
import type { Actor, EnablementEvent } from '../../../bot/enablement/core/states.js';
import { switchResource } from '../../../bot/sync/resource-switches.js';
import type { Store } from '../../../bot/store/store.js';

/**
 * CRM rows for sync tests. Tenants and contacts are inserted directly (CRM data, as crm:import loads
 * it); sync accounts go through the bot's activation code. Addresses follow docs/demo-identities.md.
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

const activationActor = { kind: 'system', component: 'activation' } as const;
/** A CRM administrator acting for the user, for the states after activation (pause, switches). */
const adminActor = { kind: 'person', aadObjectId: 'fixture-admin', crmAdmin: true, itAdmin: false } as const;

export interface AccountOptions {
  tenantId: string;
  email: string;
  objectId?: string;
  state?: 'active' | 'paused';
  nextRunAt?: string | null;
  mail?: boolean;
  diary?: boolean;
}

/**
 * A CRM user whose sync account went through activation: the rows are inserted as the sign-in leaves
 * them (`activating`, no Microsoft 365 identity yet), then `activateAccount` runs the bot's activation.
 */
export async function seedAccount(store: Store, options: AccountOptions): Promise<SeededAccount> {
  const seeded = await insertSignedInAccount(store, options);
  const email = options.email.toLowerCase();
  await activateAccount(
    store,
    seeded,
    {
      tenantId: options.tenantId,
      objectId: options.objectId ?? newId(),
      userPrincipalName: email,
      addresses: [email],
    },
    options,
  );
  return seeded;
}

/** The CRM user and the account as a completed sign-in leaves them, before activation. */
export async function insertSignedInAccount(
  store: Store,
  options: Pick<AccountOptions, 'tenantId' | 'email'>,
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
      state: 'activating',
      created_at: at,
      updated_at: at,
    })
    .execute();
  return { accountId, crmUserId };
}

/**
 * The bot's activation code records the identity and switches mail and diary on, and the state
 * machine's activation_succeeded makes the account active and due. `mail: false` / `diary: false`
 * switch a resource off as the user's command does; `state: 'paused'` pauses it as a person would.
 * Nothing here sets what activation sets.
 */
export async function activateAccount(
  store: Store,
  seeded: SeededAccount,
  identity: SignedInIdentity,
  options: Omit<AccountOptions, 'tenantId' | 'email' | 'objectId'> = {},
): Promise<void> {
  const { accountId, crmUserId } = seeded;
  const recorded = await recordActivation(store.db, accountId, identity);
  if (!recorded.ok) throw new Error(`activation failed: ${recorded.reason}`);
  await step(store, accountId, { type: 'activation_succeeded' }, activationActor);
  for (const resource of ['mail', 'diary'] as const) {
    if (options[resource] !== false) continue;
    const switched = await switchResource(store.db, {
      accountId,
      resource,
      on: false,
      actor: crmUserId,
      now: new Date(),
    });
    if (!switched.ok) throw new Error(`${resource} could not be switched off: ${switched.message}`);
  }
  if (options.state === 'paused') await step(store, accountId, { type: 'pause' }, adminActor);
  if (options.nextRunAt !== undefined) {
    // Scheduling tests place the next run themselves; activation made the account due now.
    await store.db
      .updateTable('sync_accounts')
      .set({ next_run_at: options.nextRunAt })
      .where('id', '=', accountId)
      .execute();
  }
}

async function step(store: Store, accountId: string, event: EnablementEvent, actor: Actor): Promise<void> {
  const result = await applyStep(store, accountId, event, actor, { auditActor: 'test fixture' });
  if (!result.ok) throw new Error(`${event.type} refused: ${result.error}`);
}

/** Switches a resource of every given account off, through the command the chat and the tab use. */
export async function switchOff(
  store: Pick<Store, 'db'>,
  accountIds: readonly string[],
  resource: 'mail' | 'diary',
): Promise<void> {
  for (const accountId of accountIds) {
    const result = await switchResource(store.db, {
      accountId,
      resource,
      on: false,
      actor: 'test fixture',
      now: new Date(),
    });
    if (!result.ok) throw new Error(`${resource} could not be switched off: ${result.message}`);
  }
}
