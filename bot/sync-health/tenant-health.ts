import { sql, type Kysely } from 'kysely';
import type { ApprovalRow, TenantStatsResponse, TenantUserRow } from '#shared/contract.js';
import { describeState } from '../enablement/core/describe-state.js';
import { fromJsonText } from '../store/columns.js';
import type { Database, SyncAccountState } from '../store/schema.js';
import { accountFacts, accountLastSync, kindHealth } from './health-model.js';
import { loadResourceRecords, type ResourceRecords } from './resource-records.js';
import { ageSeconds, CHART_HOURS, DAY_MS, hourKey, hourStarts, isoMinus } from './time-window.js';

/**
 * Tenant-wide health for administrators. Every query is bounded by the tenant id it is given, which
 * the API takes from the caller's verified token only.
 */

const whenSql = sql<string>`coalesce(r.ended_at, r.started_at)`;

export async function loadTenantUsers(
  db: Kysely<Database>,
  tenantId: string,
  now: Date,
): Promise<TenantUserRow[]> {
  const [users, records, errorCounts] = await Promise.all([
    tenantUsers(db, tenantId),
    loadResourceRecords(db, { tenantId }),
    failedRunsPerAccount(db, tenantId, isoMinus(now, DAY_MS)),
  ]);
  return users.map((user) => userRow(user, records.byAccount, errorCounts, now));
}

type TenantUser = Awaited<ReturnType<typeof tenantUsers>>[number];

/** Every CRM user of the tenant, with their sync account's switches where they have one. */
function tenantUsers(db: Kysely<Database>, tenantId: string) {
  return db
    .selectFrom('crm_users as u')
    .leftJoin('sync_accounts as a', 'a.crm_user_id', 'u.id')
    .select([
      'u.id as crmUserId',
      'u.display_name',
      'u.work_email',
      'u.is_admin',
      'u.cloud_sync_visible',
      'a.id as accountId',
      'a.state',
      'a.mail_enabled',
      'a.diary_enabled',
      'a.throttled_until',
    ])
    .where('u.tenant_id', '=', tenantId)
    .execute();
}

async function failedRunsPerAccount(
  db: Kysely<Database>,
  tenantId: string,
  since: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('sync_runs as r')
    .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
    .select(['r.account_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('a.tenant_id', '=', tenantId)
    .where('r.status', '=', 'failed')
    .where(whenSql, '>=', since)
    .groupBy('r.account_id')
    .execute();
  return new Map(rows.map((r) => [r.account_id, Number(r.n)]));
}

function userRow(
  user: TenantUser,
  records: ResourceRecords['byAccount'],
  errorCounts: ReadonlyMap<string, number>,
  now: Date,
): TenantUserRow {
  // A user without an account is offered sync when visible, else hidden from it.
  const state: SyncAccountState = user.state ?? (user.cloud_sync_visible === 1 ? 'ready' : 'not_visible');
  const facts = accountFacts(state, user);
  const mine = (user.accountId && records.get(user.accountId)) || [];
  const mail = kindHealth('mail', facts, mine, now);
  const diary = kindHealth('diary', facts, mine, now);
  const lastSyncAt = accountLastSync([mail, diary]);
  return {
    crmUserId: user.crmUserId,
    displayName: user.display_name,
    email: user.work_email,
    crmAdmin: user.is_admin === 1,
    visible: user.cloud_sync_visible === 1,
    state,
    stateTitle: describeState(state, { viewer: 'crm_admin' }).title,
    mail: mail.status,
    diary: diary.status,
    mailText: mail.statusText,
    diaryText: diary.statusText,
    lastSyncAt,
    freshnessSeconds: lastSyncAt ? ageSeconds(lastSyncAt, now) : null,
    errors24h: (user.accountId && errorCounts.get(user.accountId)) || 0,
  };
}

export async function loadPendingApprovals(db: Kysely<Database>, tenantId: string): Promise<ApprovalRow[]> {
  const requests = await db
    .selectFrom('approval_requests')
    .select(['id', 'created_at', 'requested_scopes'])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'pending')
    .orderBy('created_at', 'desc')
    .execute();
  if (requests.length === 0) return [];
  const waiting = await db
    .selectFrom('approval_request_users as w')
    .innerJoin('crm_users as u', 'u.id', 'w.crm_user_id')
    .select(['w.request_id', 'u.display_name', 'u.work_email', 'w.justification', 'w.requested_at'])
    .where('u.tenant_id', '=', tenantId)
    .where(
      'w.request_id',
      'in',
      requests.map((r) => r.id),
    )
    .orderBy('w.requested_at', 'asc')
    .execute();
  return requests.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    requestedScopes: fromJsonText(r.requested_scopes),
    users: waiting
      .filter((w) => w.request_id === r.id)
      .map((w) => ({
        displayName: w.display_name,
        email: w.work_email,
        justification: w.justification,
        requestedAt: w.requested_at,
      })),
  }));
}

export async function loadTenantStats(
  db: Kysely<Database>,
  tenantId: string,
  now: Date,
  users: readonly TenantUserRow[],
  todayStart: string,
): Promise<Omit<TenantStatsResponse, 'generatedAt'>> {
  const weekAgo = isoMinus(now, CHART_HOURS * 3_600_000);
  const hourSql = sql<string>`substr(${whenSql}, 1, 13)`;
  const [hourlyRows, today] = await Promise.all([
    db
      .selectFrom('sync_runs as r')
      .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
      .select([
        hourSql.as('hour'),
        sql<number>`sum(r.added + r.updated)`.as('items'),
        sql<number>`sum(case when r.status = 'failed' then 1 else 0 end)`.as('errors'),
      ])
      .where('a.tenant_id', '=', tenantId)
      .where(whenSql, '>=', weekAgo)
      .groupBy(hourSql)
      .execute(),
    db
      .selectFrom('sync_runs as r')
      .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
      .select(sql<number>`coalesce(sum(r.added + r.updated), 0)`.as('items'))
      .where('a.tenant_id', '=', tenantId)
      .where(whenSql, '>=', todayStart)
      .executeTakeFirstOrThrow(),
  ]);
  const byHour = new Map(hourlyRows.map((r) => [r.hour, r]));
  const count = (p: (u: TenantUserRow) => boolean) => users.filter(p).length;
  return {
    totals: {
      users: users.length,
      visible: count((u) => u.visible),
      active: count((u) => u.state === 'active'),
      paused: count((u) => u.state === 'paused'),
      needsReconnect: count((u) => u.state === 'reconnect_required'),
      failing: count((u) => u.mail === 'failing' || u.diary === 'failing'),
      itemsToday: Number(today.items),
      errors24h: users.reduce((n, u) => n + u.errors24h, 0),
    },
    hourly: hourStarts(now).map((hour) => {
      const row = byHour.get(hourKey(hour));
      return { hour, items: Number(row?.items ?? 0), errors: Number(row?.errors ?? 0) };
    }),
  };
}
