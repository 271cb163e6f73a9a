import type { Kysely, Transaction } from 'kysely';
import { fromJsonText, toIso, toJsonText } from '../store/columns.js';
import type { SyncSkipReason } from '../store/schema.js';
import type { CalendarWindow } from './core/calendar-window.js';
import type { DeltaCursor } from './core/delta-cursor.js';
import type { PageCounts, StoreOp, SyncResource } from './core/store-ops.js';
import { applyOps } from './apply-ops.js';
import { fenceLease } from './lease.js';
import type { SyncDatabase } from './sync-tables.js';

/**
 * The exactly-once unit: one delta page's store ops, the cursor that follows it, and the run record's
 * counters commit in ONE transaction. A worker killed before the commit leaves the old cursor, so the
 * page is fetched again and its idempotent ops apply once; killed after, the page is never fetched
 * again. The lease is checked inside the same transaction, so a worker that lost its lease (stalled
 * past expiry, taken over) cannot commit over its successor.
 */

export interface PageCommit {
  owner: string;
  accountId: string;
  resource: SyncResource;
  ops: readonly StoreOp[];
  cursor: DeltaCursor;
  /** The diary's calendar window the cursor belongs to; null for mail. */
  window: CalendarWindow | null;
  /** The run the page counts towards; null for an idle round that records no run. */
  runId: string | null;
  counts: PageCounts;
  now: number;
}

export interface CommittedPage {
  added: number;
  updated: number;
}

export async function commitPage(db: Kysely<SyncDatabase>, page: PageCommit): Promise<CommittedPage> {
  return db.transaction().execute(async (trx) => {
    await fenceLease(trx, page.owner, page.accountId, page.now);
    const applied = await applyOps(trx, page.ops, page.now);
    await saveCursor(trx, page.accountId, page.resource, page.cursor, page.window, page.now);
    if (page.runId !== null)
      await addToRun(trx, page.runId, {
        added: applied.added,
        updated: applied.updated,
        removed: page.counts.removed,
        skipped: page.counts.skipped,
        done: page.counts.filed + page.counts.removed + sum(page.counts.skipped) + page.counts.rejected,
      });
    return applied;
  });
}

export interface StoredCursor {
  cursor: DeltaCursor | null;
  window: CalendarWindow | null;
}

export async function loadCursor(
  db: Kysely<SyncDatabase>,
  accountId: string,
  resource: SyncResource,
): Promise<StoredCursor> {
  const row = await db
    .selectFrom('sync_cursors')
    .select(['delta_link', 'round_complete', 'window_start', 'window_end'])
    .where('account_id', '=', accountId)
    .where('resource', '=', resource)
    .executeTakeFirst();
  return {
    cursor: row?.delta_link ? { link: row.delta_link, roundComplete: row.round_complete === 1 } : null,
    window: row?.window_start && row.window_end ? { start: row.window_start, end: row.window_end } : null,
  };
}

/**
 * Forgets a cursor so the next request starts a new baseline (410 / syncStateNotFound, or a moved
 * calendar window). CRM records stay; the baseline's upserts find them and change nothing. Fenced
 * like a page, so only the lease holder can reset.
 */
export async function resetCursor(
  db: Kysely<SyncDatabase>,
  owner: string,
  accountId: string,
  resource: SyncResource,
  now: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await fenceLease(trx, owner, accountId, now);
    await trx
      .deleteFrom('sync_cursors')
      .where('account_id', '=', accountId)
      .where('resource', '=', resource)
      .execute();
  });
}

async function saveCursor(
  trx: Transaction<SyncDatabase>,
  accountId: string,
  resource: SyncResource,
  cursor: DeltaCursor,
  window: CalendarWindow | null,
  now: number,
): Promise<void> {
  const row = {
    account_id: accountId,
    resource,
    delta_link: cursor.link,
    round_complete: cursor.roundComplete ? (1 as const) : (0 as const),
    window_start: window?.start ?? null,
    window_end: window?.end ?? null,
    updated_at: toIso(now),
  };
  await trx
    .insertInto('sync_cursors')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['account_id', 'resource']).doUpdateSet({
        delta_link: row.delta_link,
        round_complete: row.round_complete,
        window_start: row.window_start,
        window_end: row.window_end,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

interface RunDelta {
  added: number;
  updated: number;
  removed: number;
  skipped: Partial<Record<string, number>>;
  done: number;
}

async function addToRun(trx: Transaction<SyncDatabase>, runId: string, delta: RunDelta): Promise<void> {
  const run = await trx.selectFrom('sync_runs').select('skipped').where('id', '=', runId).executeTakeFirst();
  if (!run) throw new Error(`sync run ${runId} does not exist`);
  const skipped = fromJsonText(run.skipped);
  for (const [reason, n] of Object.entries(delta.skipped)) {
    const key = reason as SyncSkipReason;
    skipped[key] = (skipped[key] ?? 0) + (n ?? 0);
  }
  await trx
    .updateTable('sync_runs')
    .set((eb) => ({
      added: eb('added', '+', delta.added),
      updated: eb('updated', '+', delta.updated),
      removed: eb('removed', '+', delta.removed),
      progress_done: eb('progress_done', '+', delta.done),
      skipped: toJsonText(skipped),
    }))
    .where('id', '=', runId)
    .execute();
}

function sum(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((a, n) => a + (n ?? 0), 0);
}
