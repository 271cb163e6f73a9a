import { sql, type Kysely } from 'kysely';
import type { Database, SyncRunStatus } from '../store/schema.js';
import type { ResourceRecord } from './health-model.js';

/**
 * The facts of the health model (health-model.ts) for one account or every account of a tenant, in a
 * fixed number of queries: latest finished run, running run and last success per resource, and when
 * each resource's last complete delta round was committed (idle checks leave no run behind).
 */

export type RecordScope = { accountId: string } | { tenantId: string };

export interface RunningProgress {
  accountId: string;
  resource: string;
  done: number;
  estimate: number | null;
}

export interface ResourceRecords {
  byAccount: Map<string, ResourceRecord[]>;
  running: RunningProgress[];
}

export async function loadResourceRecords(
  db: Kysely<Database>,
  scope: RecordScope,
): Promise<ResourceRecords> {
  const accounts =
    'accountId' in scope
      ? [scope.accountId]
      : (
          await db.selectFrom('sync_accounts').select('id').where('tenant_id', '=', scope.tenantId).execute()
        ).map((a) => a.id);
  if (accounts.length === 0) return { byAccount: new Map(), running: [] };

  const [latest, running, successes, cursors] = await Promise.all([
    // The latest finished run of every (account, resource): the window function runs on both dialects.
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('sync_runs')
          .select([
            'account_id',
            'resource',
            'status',
            sql<number>`row_number() over (partition by account_id, resource order by ended_at desc)`.as(
              'rn',
            ),
          ])
          .where('account_id', 'in', accounts)
          .where('ended_at', 'is not', null)
          .as('latest'),
      )
      .select(['account_id', 'resource', 'status'])
      .where('rn', '=', 1)
      .execute(),
    db
      .selectFrom('sync_runs')
      .select(['account_id', 'resource', 'progress_done', 'progress_estimate'])
      .where('account_id', 'in', accounts)
      .where('status', '=', 'running')
      .execute(),
    db
      .selectFrom('sync_runs')
      .select(['account_id', 'resource', (eb) => eb.fn.max('ended_at').as('last')])
      .where('account_id', 'in', accounts)
      .where('status', '=', 'succeeded')
      .groupBy(['account_id', 'resource'])
      .execute(),
    db
      .selectFrom('sync_cursors')
      .select(['account_id', 'resource', 'round_complete', 'updated_at'])
      .where('account_id', 'in', accounts)
      .execute(),
  ]);

  const byAccount = new Map<string, Map<string, ResourceRecord>>();
  const record = (accountId: string, resource: string): ResourceRecord => {
    const mine = byAccount.get(accountId) ?? new Map<string, ResourceRecord>();
    byAccount.set(accountId, mine);
    let r = mine.get(resource);
    if (!r) {
      r = {
        resource,
        running: false,
        lastFinishedStatus: null,
        lastSucceededAt: null,
        roundCompletedAt: null,
      };
      mine.set(resource, r);
    }
    return r;
  };
  for (const row of latest)
    record(row.account_id, row.resource).lastFinishedStatus = row.status as SyncRunStatus;
  for (const row of running) record(row.account_id, row.resource).running = true;
  for (const row of successes) record(row.account_id, row.resource).lastSucceededAt = row.last ?? null;
  for (const row of cursors)
    if (row.round_complete === 1) record(row.account_id, row.resource).roundCompletedAt = row.updated_at;

  return {
    byAccount: new Map([...byAccount].map(([id, m]) => [id, [...m.values()]])),
    running: running.map((r) => ({
      accountId: r.account_id,
      resource: r.resource,
      done: r.progress_done,
      estimate: r.progress_estimate,
    })),
  };
}
