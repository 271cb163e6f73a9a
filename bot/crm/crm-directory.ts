import type { Kysely } from 'kysely';
import { newId, nowIso } from '../store/columns.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { Database, SyncAccountState } from '../store/schema.js';
import {
  matchSignedInAccount,
  matchTeamsUser,
  normaliseAddress,
  type MatchedBy,
} from '../enablement/core/user-matching.js';

/**
 * CRM users and their sync accounts as the bot needs them. A Teams user is matched to a CRM user by
 * bot/enablement/core/user-matching.ts (never by display name); the first change binds the object id, as the
 * tab's principal expects.
 */

export interface CrmUser {
  id: string;
  tenantId: string;
  workEmail: string;
  displayName: string;
  isAdmin: boolean;
  visible: boolean;
  teamsAadObjectId: string | null;
}

export interface Tenant {
  id: string;
  name: string;
  itChannelRefKey: string | null;
  purgeOnDisable: boolean;
}

export interface SyncAccount {
  id: string;
  tenantId: string;
  crmUserId: string;
  state: SyncAccountState;
  stateReason: string | null;
}

type Db = Kysely<Database>;

const userColumns = [
  'id',
  'tenant_id',
  'work_email',
  'display_name',
  'is_admin',
  'cloud_sync_visible',
  'teams_user_aad_id',
] as const;

function toUser(r: {
  id: string;
  tenant_id: string;
  work_email: string;
  display_name: string;
  is_admin: 0 | 1;
  cloud_sync_visible: 0 | 1;
  teams_user_aad_id: string | null;
}): CrmUser {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    workEmail: r.work_email,
    displayName: r.display_name,
    isAdmin: r.is_admin === 1,
    visible: r.cloud_sync_visible === 1,
    teamsAadObjectId: r.teams_user_aad_id,
  };
}

// Read on every chat turn: compiled once (store/prepared-query.ts).
const tenantById = preparedQuery(1, (db, tenantId: string) =>
  db
    .selectFrom('tenants')
    .select(['id', 'name', 'it_channel_ref_key', 'purge_on_disable'])
    .where('id', '=', tenantId),
);

export async function findTenant(db: Db, tenantId: string): Promise<Tenant | undefined> {
  const row = (await tenantById(db, tenantId)).rows[0];
  return row
    ? {
        id: row.id,
        name: row.name,
        itChannelRefKey: row.it_channel_ref_key,
        purgeOnDisable: row.purge_on_disable === 1,
      }
    : undefined;
}

/** The candidates for a Teams user, for each number of addresses Teams gave (none, e-mail and/or UPN). */
const crmUsersForTeams = [0, 1, 2].map((count) =>
  preparedQuery(2 + count, (db, tenantId: string, aadObjectId: string, ...addresses: string[]) =>
    db
      .selectFrom('crm_users')
      .select(userColumns)
      .where('tenant_id', '=', tenantId)
      .where((eb) =>
        eb.or([
          eb('teams_user_aad_id', '=', aadObjectId),
          ...(addresses.length ? [eb('work_email', 'in', addresses)] : []),
        ]),
      ),
  ),
);

/**
 * The CRM user of a Teams user, by the stored link, the Teams e-mail, then the UPN (user-matching.ts).
 * Reading does not bind; `bindTeamsUser` does, when the user first changes something.
 */
export async function findCrmUserForTeams(
  db: Db,
  teams: { tenantId: string; aadObjectId: string; email?: string; upn?: string },
): Promise<(CrmUser & { matchedBy: MatchedBy }) | undefined> {
  const addresses = [teams.email, teams.upn].filter((a): a is string => !!a).map(normaliseAddress);
  const { rows } = await crmUsersForTeams[addresses.length]!(
    db,
    teams.tenantId,
    teams.aadObjectId,
    ...addresses,
  );
  const match = matchTeamsUser(rows.map(toUser), teams);
  return match ? { ...match.user, matchedBy: match.by } : undefined;
}

/** The CRM user an address of a signed-in account belongs to, unless linked to another Teams user. */
export async function findCrmUserBySignedInAddresses(
  db: Db,
  tenantId: string,
  aadObjectId: string,
  addresses: readonly string[],
): Promise<{ user: CrmUser; address: string } | undefined> {
  if (addresses.length === 0) return undefined;
  const rows = await db
    .selectFrom('crm_users')
    .select(userColumns)
    .where('tenant_id', '=', tenantId)
    .where('work_email', 'in', addresses.map(normaliseAddress))
    .execute();
  return matchSignedInAccount(rows.map(toUser), aadObjectId, addresses);
}

/** Binds the CRM user to the Teams object id; false when someone else was bound meanwhile. */
export async function bindTeamsUser(db: Db, user: CrmUser, aadObjectId: string): Promise<boolean> {
  if (user.teamsAadObjectId === aadObjectId) {
    const row = await db
      .selectFrom('crm_users')
      .select('teams_user_aad_id')
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (row?.teams_user_aad_id === aadObjectId) return true;
  }
  const claimed = await db
    .updateTable('crm_users')
    .set({ teams_user_aad_id: aadObjectId, updated_at: nowIso() })
    .where('id', '=', user.id)
    .where('teams_user_aad_id', 'is', null)
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

export async function crmUserById(db: Db, id: string): Promise<CrmUser | undefined> {
  const row = await db.selectFrom('crm_users').select(userColumns).where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function crmUserByEmail(db: Db, tenantId: string, email: string): Promise<CrmUser | undefined> {
  const row = await db
    .selectFrom('crm_users')
    .select(userColumns)
    .where('tenant_id', '=', tenantId)
    .where('work_email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function crmAdmins(db: Db, tenantId: string): Promise<CrmUser[]> {
  const rows = await db
    .selectFrom('crm_users')
    .select(userColumns)
    .where('tenant_id', '=', tenantId)
    .where('is_admin', '=', 1)
    .execute();
  return rows.map(toUser);
}

export async function setVisibility(db: Db, crmUserId: string, visible: boolean): Promise<void> {
  await db
    .updateTable('crm_users')
    .set({ cloud_sync_visible: visible ? 1 : 0, updated_at: nowIso() })
    .where('id', '=', crmUserId)
    .execute();
}

const accountColumns = ['id', 'tenant_id', 'crm_user_id', 'state', 'state_reason'] as const;

function toAccount(r: {
  id: string;
  tenant_id: string;
  crm_user_id: string;
  state: SyncAccountState;
  state_reason: string | null;
}): SyncAccount {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    crmUserId: r.crm_user_id,
    state: r.state,
    stateReason: r.state_reason,
  };
}

export async function accountById(db: Db, id: string): Promise<SyncAccount | undefined> {
  const row = await db
    .selectFrom('sync_accounts')
    .select(accountColumns)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toAccount(row) : undefined;
}

const accountByUser = preparedQuery(2, (db, tenantId: string, crmUserId: string) =>
  db
    .selectFrom('sync_accounts')
    .select(accountColumns)
    .where('tenant_id', '=', tenantId)
    .where('crm_user_id', '=', crmUserId),
);

export async function accountOfUser(db: Db, user: CrmUser): Promise<SyncAccount | undefined> {
  const row = (await accountByUser(db, user.tenantId, user.id)).rows[0];
  return row ? toAccount(row) : undefined;
}

/**
 * The user's sync account, created on first contact in the state their visibility implies. Creation
 * is not a transition (nothing happened yet), so it is audited as the account's first record.
 */
export async function ensureAccount(db: Db, user: CrmUser): Promise<SyncAccount> {
  const existing = await accountOfUser(db, user);
  if (existing) return existing;
  const now = nowIso();
  const account: SyncAccount = {
    id: newId(),
    tenantId: user.tenantId,
    crmUserId: user.id,
    state: user.visible ? 'ready' : 'not_visible',
    stateReason: null,
  };
  try {
    await db
      .insertInto('sync_accounts')
      .values({
        id: account.id,
        tenant_id: account.tenantId,
        crm_user_id: account.crmUserId,
        state: account.state,
        state_reason: null,
        ms_tenant_id: null,
        ms_object_id: null,
        ms_upn: null,
        next_run_at: null,
        throttled_until: null,
        last_synced_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  } catch (err) {
    // Two turns of the same user at once: the other one created it.
    const raced = await accountOfUser(db, user);
    if (raced) return raced;
    throw err;
  }
  return account;
}

export async function listTenantUsers(
  db: Db,
  tenantId: string,
): Promise<Array<{ id: string; name: string; email: string; visible: boolean; state: SyncAccountState }>> {
  const rows = await db
    .selectFrom('crm_users as u')
    .leftJoin('sync_accounts as a', (j) =>
      j.onRef('a.crm_user_id', '=', 'u.id').onRef('a.tenant_id', '=', 'u.tenant_id'),
    )
    .select(['u.id', 'u.display_name', 'u.work_email', 'u.cloud_sync_visible', 'a.state'])
    .where('u.tenant_id', '=', tenantId)
    .orderBy('u.display_name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    visible: r.cloud_sync_visible === 1,
    name: r.display_name,
    email: r.work_email,
    state: r.state ?? (r.cloud_sync_visible === 1 ? 'ready' : 'not_visible'),
  }));
}
