import { sql, type Kysely } from 'kysely';
import type { HourlyPoint, ResourceHealth, ResourceKind, SkippedItem, SyncError } from '#shared/contract.js';
import type { Database, SyncAccountState } from '../store/schema.js';
import { accountFacts, kindHealth, kindOf } from './health-model.js';
import { loadResourceRecords, type RunningProgress } from './resource-records.js';
import { errorReasonText, skipReasonText } from './plain-words.js';
import { ageSeconds, CHART_HOURS, hourKey, hourStarts, isoMinus, startOfLocalDay } from './time-window.js';

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
  const facts = await loadFacts(db, account.id, now, utcOffsetMinutes);
  return {
    resources: (['mail', 'diary'] as const).map((kind) => resourceHealth(kind, account, facts, now)),
    hourly: hourlyChart(facts.hourly, now),
    skipped: facts.skips.map(skippedItem),
  };
}

type Facts = Awaited<ReturnType<typeof loadFacts>>;

/** Everything the view reads, in one round of parallel queries. */
async function loadFacts(db: Kysely<Database>, accountId: string, now: Date, utcOffsetMinutes: number) {
  const runs = () => db.selectFrom('sync_runs').where('account_id', '=', accountId);
  const [records, errors, hourly, today, mailTotal, diaryTotal, skips] = await Promise.all([
    loadResourceRecords(db, { accountId }),
    runs()
      .select(['resource', 'started_at', 'ended_at', 'error_code', 'error_message'])
      .where('status', '=', 'failed')
      .orderBy('started_at', 'desc')
      .limit(LAST_ERRORS * 2)
      .execute(),
    runs()
      .select([
        sql<string>`substr(${whenSql}, 1, 13)`.as('hour'),
        kindSql.as('kind'),
        sql<number>`sum(added + updated)`.as('items'),
      ])
      .where(whenSql, '>=', isoMinus(now, CHART_HOURS * 3_600_000))
      .groupBy([sql`substr(${whenSql}, 1, 13)`, kindSql])
      .execute(),
    runs()
      .select([kindSql.as('kind'), sql<number>`sum(added + updated)`.as('items')])
      .where(whenSql, '>=', startOfLocalDay(now, utcOffsetMinutes))
      .groupBy(kindSql)
      .execute(),
    db
      .selectFrom('mail_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      // Detached links (moved out of the synced folders, deleted) are no longer this user's copy.
      .where('left_at', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('diary_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sync_skips')
      .select(['resource', 'reason', 'summary', 'at'])
      .where('account_id', '=', accountId)
      .orderBy('at', 'desc')
      .limit(RECENT_SKIPS)
      .execute(),
  ]);
  const totals: Record<ResourceKind, number> = { mail: Number(mailTotal.n), diary: Number(diaryTotal.n) };
  return { records, errors, hourly, today, totals, skips };
}

function resourceHealth(
  kind: ResourceKind,
  account: AccountForHealth,
  facts: Facts,
  now: Date,
): ResourceHealth {
  const { enabled, status, statusText, lastSyncedAt } = kindHealth(
    kind,
    accountFacts(account.state, account),
    facts.records.byAccount.get(account.id) ?? [],
    now,
  );
  const lastErrors: SyncError[] = facts.errors
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
      status === 'syncing'
        ? runProgress(facts.records.running.filter((r) => kindOf(r.resource) === kind))
        : null,
    throttledUntil: status === 'throttled' ? account.throttled_until : null,
    lastSuccessAt: lastSyncedAt,
    lastSuccessAgeSeconds: lastSyncedAt ? ageSeconds(lastSyncedAt, now) : null,
    itemsToday: Number(facts.today.find((r) => r.kind === kind)?.items ?? 0),
    itemsTotal: facts.totals[kind],
    lastErrors,
    nextRunAt: enabled && account.state === 'active' ? account.next_run_at : null,
  };
}

/** The runs in progress added up; the estimate only when every run has one. */
function runProgress(running: readonly RunningProgress[]): ResourceHealth['progress'] {
  if (running.length === 0) return null;
  const estimates = running.map((r) => r.estimate);
  return {
    done: running.reduce((n, r) => n + r.done, 0),
    estimate: estimates.every((e) => e !== null) ? estimates.reduce<number>((n, e) => n + (e ?? 0), 0) : null,
  };
}

/** Items per hour and kind over the chart's hours, zero where nothing ran. */
function hourlyChart(rows: Facts['hourly'], now: Date): HourlyPoint[] {
  const byHour = new Map<string, HourlyPoint>();
  const hourly = hourStarts(now).map((hour) => {
    const point = { hour, mail: 0, diary: 0 };
    byHour.set(hourKey(hour), point);
    return point;
  });
  for (const row of rows) {
    const point = byHour.get(row.hour);
    if (point) point[row.kind] += Number(row.items ?? 0);
  }
  return hourly;
}

function skippedItem(skip: Facts['skips'][number]): SkippedItem {
  return {
    at: skip.at,
    resource: kindOf(skip.resource),
    reason: skip.reason,
    reasonText: skipReasonText(skip.reason),
    summary: skip.summary,
  };
}
