import { sql, type Kysely } from 'kysely';
import type { HourlyPoint, ResourceHealth, ResourceKind, SkippedItem, SyncError } from '../api/contract.js';
import type { Database, SyncAccountState, SyncRunStatus } from '../store/schema.js';
import { classifyResource, combineHealth } from './classify.js';
import { errorReasonText, skipReasonText } from './plain-words.js';
import { CHART_HOURS, hourKey, hourStarts, isoMinus, startOfLocalDay } from './time-window.js';

/** The sync account fields the health view reads; callers fetch it scoped to the caller's tenant. */
export interface AccountForHealth {
  id: string;
  state: SyncAccountState;
  mail_enabled: 0 | 1;
  diary_enabled: 0 | 1;
  next_run_at: string | null;
  throttled_until: string | null;
}

export interface AccountHealth {
  resources: ResourceHealth[];
  hourly: HourlyPoint[];
  skipped: SkippedItem[];
}

const LAST_ERRORS = 5;
const RECENT_SKIPS = 25;
/** Enough finished runs to see the latest of every folder; the worker runs each one per cycle. */
const RECENT_RUNS = 60;

export const kindOf = (resource: string): ResourceKind => (resource === 'diary' ? 'diary' : 'mail');
const kindSql = sql<ResourceKind>`case when resource = 'diary' then 'diary' else 'mail' end`;
const whenSql = sql<string>`coalesce(ended_at, started_at)`;

export async function loadAccountHealth(
  db: Kysely<Database>,
  account: AccountForHealth,
  now: Date,
  utcOffsetMinutes: number,
): Promise<AccountHealth> {
  const weekAgo = isoMinus(now, CHART_HOURS * 3_600_000);
  const today = startOfLocalDay(now, utcOffsetMinutes);

  const [recentRuns, running, successes, errors, hourlyRows, todayRows, mailTotal, diaryTotal, skips] =
    await Promise.all([
      db
        .selectFrom('sync_runs')
        .select(['resource', 'status', 'ended_at'])
        .where('account_id', '=', account.id)
        .where('ended_at', 'is not', null)
        .orderBy('ended_at', 'desc')
        .limit(RECENT_RUNS)
        .execute(),
      db
        .selectFrom('sync_runs')
        .select(['resource', 'progress_done', 'progress_estimate'])
        .where('account_id', '=', account.id)
        .where('status', '=', 'running')
        .execute(),
      db
        .selectFrom('sync_runs')
        .select([kindSql.as('kind'), (eb) => eb.fn.max('ended_at').as('last')])
        .where('account_id', '=', account.id)
        .where('status', '=', 'succeeded')
        .groupBy(kindSql)
        .execute(),
      db
        .selectFrom('sync_runs')
        .select(['resource', 'started_at', 'ended_at', 'error_code', 'error_message'])
        .where('account_id', '=', account.id)
        .where('status', '=', 'failed')
        .orderBy('started_at', 'desc')
        .limit(LAST_ERRORS * 2)
        .execute(),
      db
        .selectFrom('sync_runs')
        .select([
          sql<string>`substr(${whenSql}, 1, 13)`.as('hour'),
          kindSql.as('kind'),
          sql<number>`sum(added + updated)`.as('items'),
        ])
        .where('account_id', '=', account.id)
        .where(whenSql, '>=', weekAgo)
        .groupBy([sql`substr(${whenSql}, 1, 13)`, kindSql])
        .execute(),
      db
        .selectFrom('sync_runs')
        .select([kindSql.as('kind'), sql<number>`sum(added + updated)`.as('items')])
        .where('account_id', '=', account.id)
        .where(whenSql, '>=', today)
        .groupBy(kindSql)
        .execute(),
      db
        .selectFrom('mail_item_owners')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('diary_item_owners')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('sync_skips')
        .select(['resource', 'reason', 'summary', 'at'])
        .where('account_id', '=', account.id)
        .orderBy('at', 'desc')
        .limit(RECENT_SKIPS)
        .execute(),
    ]);

  const latestByResource = new Map<string, SyncRunStatus>();
  for (const run of recentRuns)
    if (!latestByResource.has(run.resource)) latestByResource.set(run.resource, run.status);

  const resources = (['mail', 'diary'] as const).map((kind): ResourceHealth => {
    const enabled = (kind === 'mail' ? account.mail_enabled : account.diary_enabled) === 1;
    const lastSuccessAt = successes.find((s) => s.kind === kind)?.last ?? null;
    const runningHere = running.filter((r) => kindOf(r.resource) === kind);
    const folders = new Set([
      ...[...latestByResource.keys()].filter((r) => kindOf(r) === kind),
      ...runningHere.map((r) => r.resource),
    ]);
    const statuses = [...(folders.size ? folders : [kind])].map((resource) =>
      classifyResource(
        {
          accountState: account.state,
          enabled,
          throttledUntil: account.throttled_until,
          running: runningHere.some((r) => r.resource === resource),
          lastFinishedStatus: latestByResource.get(resource) ?? null,
          everSucceeded: lastSuccessAt !== null,
        },
        now,
      ),
    );
    const status = combineHealth(statuses);
    const estimates = runningHere.map((r) => r.progress_estimate);
    const lastErrors: SyncError[] = errors
      .filter((e) => kindOf(e.resource) === kind)
      .slice(0, LAST_ERRORS)
      .map((e) => ({
        at: e.ended_at ?? e.started_at,
        code: e.error_code,
        reason: errorReasonText(e.error_code, e.error_message),
      }));
    return {
      resource: kind,
      enabled,
      status,
      progress:
        status === 'syncing' && runningHere.length
          ? {
              done: runningHere.reduce((n, r) => n + r.progress_done, 0),
              estimate: estimates.every((e) => e !== null)
                ? estimates.reduce<number>((n, e) => n + (e ?? 0), 0)
                : null,
            }
          : null,
      throttledUntil: status === 'throttled' ? account.throttled_until : null,
      lastSuccessAt,
      lastSuccessAgeSeconds: lastSuccessAt
        ? Math.max(0, Math.round((now.getTime() - Date.parse(lastSuccessAt)) / 1000))
        : null,
      itemsToday: Number(todayRows.find((r) => r.kind === kind)?.items ?? 0),
      itemsTotal: Number(kind === 'mail' ? mailTotal.n : diaryTotal.n),
      lastErrors,
      nextRunAt: enabled && account.state === 'active' ? account.next_run_at : null,
    };
  });

  const byHour = new Map<string, HourlyPoint>();
  const hourly = hourStarts(now).map((hour) => {
    const point = { hour, mail: 0, diary: 0 };
    byHour.set(hourKey(hour), point);
    return point;
  });
  for (const row of hourlyRows) {
    const point = byHour.get(row.hour);
    if (point) point[row.kind] += Number(row.items ?? 0);
  }

  const skipped = skips.map((s) => ({
    at: s.at,
    resource: kindOf(s.resource),
    reason: s.reason,
    reasonText: skipReasonText(s.reason),
    summary: s.summary,
  }));

  return { resources, hourly, skipped };
}
