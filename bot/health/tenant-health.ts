import { sql, type Kysely } from 'kysely';
import type {
  ApprovalRow,
  HealthStatus,
  ResourceKind,
  TenantStatsResponse,
  TenantUserRow,
} from '../api/contract.js';
import { describeState } from '../enablement/describe-state.js';
import { fromJsonText } from '../store/columns.js';
import type { Database, SyncAccountState, SyncRunStatus } from '../store/schema.js';
import { kindOf } from './account-health.js';
import { classifyResource, combineHealth } from './classify.js';
import { CHART_HOURS, DAY_MS, hourKey, hourStarts, isoMinus } from './time-window.js';

/**
 * Tenant-wide health for administrators. Every query is bounded by the tenant id it is given, which
 * the API takes from the caller's verified token only.
 */

const whenSql = sql<string>`coalesce(r.ended_at, r.started_at)`;
const kindSql = sql<ResourceKind>`case when r.resource = 'diary' then 'diary' else 'mail' end`;

export async function loadTenantUsers(
  db: Kysely<Database>,
  tenantId: string,
  now: Date,
): Promise<TenantUserRow[]> {
  const dayAgo = isoMinus(now, DAY_MS);
  const [users, latestRuns, running, successes, errorCounts] = await Promise.all([
    db
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
        'a.last_synced_at',
      ])
      .where('u.tenant_id', '=', tenantId)
      .execute(),
    // The latest finished run of every (account, resource): the window function runs on both dialects.
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('sync_runs as r')
          .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
          .select([
            'r.account_id',
            'r.resource',
            'r.status',
            sql<number>`row_number() over (partition by r.account_id, r.resource order by r.ended_at desc)`.as(
              'rn',
            ),
          ])
          .where('a.tenant_id', '=', tenantId)
          .where('r.ended_at', 'is not', null)
          .as('latest'),
      )
      .select(['account_id', 'resource', 'status'])
      .where('rn', '=', 1)
      .execute(),
    db
      .selectFrom('sync_runs as r')
      .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
      .select(['r.account_id', 'r.resource'])
      .where('a.tenant_id', '=', tenantId)
      .where('r.status', '=', 'running')
      .execute(),
    db
      .selectFrom('sync_runs as r')
      .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
      .select(['r.account_id', kindSql.as('kind'), (eb) => eb.fn.max('r.ended_at').as('last')])
      .where('a.tenant_id', '=', tenantId)
      .where('r.status', '=', 'succeeded')
      .groupBy(['r.account_id', kindSql])
      .execute(),
    db
      .selectFrom('sync_runs as r')
      .innerJoin('sync_accounts as a', 'a.id', 'r.account_id')
      .select(['r.account_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('a.tenant_id', '=', tenantId)
      .where('r.status', '=', 'failed')
      .where(whenSql, '>=', dayAgo)
      .groupBy('r.account_id')
      .execute(),
  ]);

  return users.map((u): TenantUserRow => {
    const state: SyncAccountState = u.state ?? (u.cloud_sync_visible === 1 ? 'ready' : 'not_visible');
    const lastSuccessOf = (kind: ResourceKind) =>
      successes.find((s) => s.account_id === u.accountId && s.kind === kind)?.last ?? null;
    const lastSuccess =
      [lastSuccessOf('mail'), lastSuccessOf('diary')]
        .filter((t) => t !== null)
        .sort()
        .pop() ?? null;
    const lastSyncAt = u.last_synced_at ?? lastSuccess;
    const health = (kind: ResourceKind): HealthStatus => {
      const finished = latestRuns.filter((r) => r.account_id === u.accountId && kindOf(r.resource) === kind);
      const runningHere = running.filter((r) => r.account_id === u.accountId && kindOf(r.resource) === kind);
      const resources = new Set([...finished.map((r) => r.resource), ...runningHere.map((r) => r.resource)]);
      const enabled = (kind === 'mail' ? u.mail_enabled : u.diary_enabled) === 1;
      return combineHealth(
        [...(resources.size ? resources : [kind])].map((resource) =>
          classifyResource(
            {
              accountState: state,
              enabled,
              throttledUntil: u.throttled_until ?? null,
              running: runningHere.some((r) => r.resource === resource),
              lastFinishedStatus: (finished.find((r) => r.resource === resource)?.status ??
                null) as SyncRunStatus | null,
              everSucceeded: lastSuccessOf(kind) !== null,
            },
            now,
          ),
        ),
      );
    };
    return {
      crmUserId: u.crmUserId,
      displayName: u.display_name,
      email: u.work_email,
      crmAdmin: u.is_admin === 1,
      visible: u.cloud_sync_visible === 1,
      state,
      stateTitle: describeState(state, { viewer: 'crm_admin' }).title,
      mail: health('mail'),
      diary: health('diary'),
      lastSyncAt,
      freshnessSeconds: lastSyncAt
        ? Math.max(0, Math.round((now.getTime() - Date.parse(lastSyncAt)) / 1000))
        : null,
      errors24h: Number(errorCounts.find((e) => e.account_id === u.accountId)?.n ?? 0),
    };
  });
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
