import { sql, type Kysely } from 'kysely';
import type { HourlyPoint, ResourceHealth, ResourceKind, SkippedItem, SyncError } from '#shared/contract.js';
import type { Database, SyncAccountState } from '../store/schema.js';
import { kindHealth, kindOf } from './health-model.js';
import { loadResourceRecords } from './resource-records.js';
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

export { kindOf };
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

  const [records, errors, hourlyRows, todayRows, mailTotal, diaryTotal, skips] = await Promise.all([
    loadResourceRecords(db, { accountId: account.id }),
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
      // Detached links (moved out of the synced folders, deleted) are no longer this user's copy.
      .where(sql<boolean>`left_at is null`)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('diary_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', account.id)
      .where(sql<boolean>`removed_at is null`)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sync_skips')
      .select(['resource', 'reason', 'summary', 'at'])
      .where('account_id', '=', account.id)
      .orderBy('at', 'desc')
      .limit(RECENT_SKIPS)
      .execute(),
  ]);

  const facts = {
    state: account.state,
    mailEnabled: account.mail_enabled === 1,
    diaryEnabled: account.diary_enabled === 1,
    throttledUntil: account.throttled_until,
  };
  const mine = records.byAccount.get(account.id) ?? [];
  const resources = (['mail', 'diary'] as const).map((kind): ResourceHealth => {
    const { enabled, status, statusText, lastSyncedAt } = kindHealth(kind, facts, mine, now);
    const runningHere = records.running.filter((r) => kindOf(r.resource) === kind);
    const estimates = runningHere.map((r) => r.estimate);
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
      statusText,
      progress:
        status === 'syncing' && runningHere.length
          ? {
              done: runningHere.reduce((n, r) => n + r.done, 0),
              estimate: estimates.every((e) => e !== null)
                ? estimates.reduce<number>((n, e) => n + (e ?? 0), 0)
                : null,
            }
          : null,
      throttledUntil: status === 'throttled' ? account.throttled_until : null,
      lastSuccessAt: lastSyncedAt,
      lastSuccessAgeSeconds: lastSyncedAt
        ? Math.max(0, Math.round((now.getTime() - Date.parse(lastSyncedAt)) / 1000))
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
