import type { Kysely } from 'kysely';
import { newId, toIso } from '../store/columns.js';
import type { SyncRunStatus } from '../store/schema.js';
import type { SyncResource } from './core/store-ops.js';
import type { Database } from '../store/schema.js';

/**
 * One `sync_runs` row per resource round, for the health tab: opened when the round starts, counters
 * added by each page commit (page-commit.ts, in the page's transaction), closed with its status,
 * request count, throttled time and error. `progress_done` / `progress_estimate` show an initial
 * import's progress while it runs.
 */

export async function startRun(
  db: Kysely<Database>,
  input: {
    accountId: string;
    resource: SyncResource;
    now: number;
    progressDone: number;
    progressEstimate: number | null;
  },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('sync_runs')
    .values({
      id,
      account_id: input.accountId,
      resource: input.resource,
      started_at: toIso(input.now),
      status: 'running',
      progress_done: input.progressDone,
      progress_estimate: input.progressEstimate,
    })
    .execute();
  return id;
}

export interface RunEnd {
  status: Exclude<SyncRunStatus, 'running'>;
  requests: number;
  throttledMs: number;
  /** A short code and plain words; never a token, URL with a token, or message content. */
  error?: { code: string; message: string };
  now: number;
}

export async function finishRun(db: Kysely<Database>, runId: string, end: RunEnd): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({
      status: end.status,
      ended_at: toIso(end.now),
      requests: end.requests,
      throttled_ms: Math.round(end.throttledMs),
      error_code: end.error?.code ?? null,
      error_message: end.error?.message.slice(0, 500) ?? null,
    })
    .where('id', '=', runId)
    .execute();
}
