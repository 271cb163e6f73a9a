import type { Kysely, Transaction } from 'kysely';
import { fromJsonText, toIso, toJsonText } from '../store/columns.js';
import type { SyncSkipReason } from '../store/schema.js';
import type { BaselineScope } from './core/baseline.js';
import { nextGeneration } from './core/baseline.js';
import type { CalendarWindow } from './core/calendar-window.js';
import type { DeltaCursor } from './core/delta-cursor.js';
import type { PageCounts, StoreOp, SyncResource } from './core/store-ops.js';
import { applyOps } from './apply-ops.js';
import { chunks, inList } from './batches.js';
import { DIARY_TABLES, MAIL_TABLES, type FiledTables } from './filed-tables.js';
import { fenceLease } from './lease.js';
import type { Database } from '../store/schema.js';

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
  /**
   * Set for a page fetched without a cursor or from a nextLink, which may belong to a baseline; absent
   * for a page fetched from a deltaLink (an incremental round's first page).
   */
  baseline?: BaselinePage;
}

export interface BaselinePage {
  /**
   * Fetched without a cursor: a baseline's first page, which takes a new generation. Otherwise the
   * page continues a round, which is a baseline only if the stored cursor carries a generation (an
   * incremental round can span several pages too).
   */
  first: boolean;
  /** Graph ids the page lists (core/baseline.ts listedIds). */
  listed: readonly string[];
  /** What the baseline could have listed; used by the page that completes it. */
  scope: BaselineScope;
}

export interface CommittedPage {
  added: number;
  updated: number;
}

export async function commitPage(db: Kysely<Database>, page: PageCommit): Promise<CommittedPage> {
  return db.transaction().execute(async (trx) => {
    await fenceLease(trx, page.owner, page.accountId, page.now);
    const applied = await applyOps(db, trx, page.ops, page.now);
    // Generation, stamps, sweep and cursor share the page's transaction: a crash mid-baseline resumes
    // the same generation with the cursor, and the sweep happens exactly when the deltaLink is stored.
    const generation = page.baseline ? await baselineGeneration(trx, page, page.baseline) : null;
    let swept = 0;
    if (page.baseline && generation != null) {
      await stampListed(trx, page.accountId, page.baseline, generation);
      if (page.cursor.roundComplete)
        swept = await detachUnlisted(trx, page.accountId, page.baseline.scope, generation, page.now);
    }
    await saveCursor(trx, page.accountId, page.resource, page.cursor, page.window, page.now, generation);
    if (page.runId !== null)
      await addToRun(trx, page.runId, {
        added: applied.added,
        updated: applied.updated,
        removed: page.counts.removed + swept,
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
  db: Kysely<Database>,
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
 * calendar window). CRM records stay; the baseline's upserts find them and change nothing, and its
 * last page detaches the links it no longer lists (core/baseline.ts). Fenced
 * like a page, so only the lease holder can reset.
 */
export async function resetCursor(
  db: Kysely<Database>,
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
  trx: Transaction<Database>,
  accountId: string,
  resource: SyncResource,
  cursor: DeltaCursor,
  window: CalendarWindow | null,
  now: number,
  /** The baseline's generation; null for an incremental round, so its later pages are not taken for one. */
  generation: number | null,
): Promise<void> {
  const row = {
    account_id: accountId,
    resource,
    delta_link: cursor.link,
    round_complete: cursor.roundComplete ? (1 as const) : (0 as const),
    window_start: window?.start ?? null,
    window_end: window?.end ?? null,
    updated_at: toIso(now),
    baseline_generation: generation,
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
        baseline_generation: row.baseline_generation,
      }),
    )
    .execute();
}

/**
 * The generation a page belongs to: a new one for a baseline's first page, else the one stored with
 * the cursor it continues. Null for an incremental round, and for a baseline begun before generations
 * existed: that cannot know what its earlier pages listed, so it neither stamps nor sweeps.
 */
async function baselineGeneration(
  trx: Transaction<Database>,
  page: PageCommit,
  baseline: BaselinePage,
): Promise<number | null> {
  if (!baseline.first) {
    const row = await trx
      .selectFrom('sync_cursors')
      .select('baseline_generation')
      .where('account_id', '=', page.accountId)
      .where('resource', '=', page.resource)
      .executeTakeFirst();
    return row?.baseline_generation ?? null;
  }
  // Links move between folders (and so between cursors), and cursors are deleted on reset: the
  // highest generation still in use anywhere for the account keeps "older" meaning "smaller".
  const cursors = await trx
    .selectFrom('sync_cursors')
    .select((eb) => eb.fn.max('baseline_generation').as('g'))
    .where('account_id', '=', page.accountId)
    .executeTakeFirst();
  const links = await trx
    .withTables<Record<string, Record<string, unknown>>>()
    .selectFrom(filedTables(baseline.scope).owner.table)
    .select((eb) => eb.fn.max('baseline_generation').as('g'))
    .where('account_id', '=', page.accountId)
    .executeTakeFirst();
  return nextGeneration([asNumber(cursors?.g), asNumber(links?.g)]);
}

/** After the page's ops, so a link the page moved into this folder (or revived) is stamped too. */
async function stampListed(
  trx: Transaction<Database>,
  accountId: string,
  baseline: BaselinePage,
  generation: number,
): Promise<void> {
  const { scope } = baseline;
  const { owner } = filedTables(scope);
  for (const ids of chunks(baseline.listed)) {
    let stamp = trx
      .withTables<Record<string, Record<string, unknown>>>()
      .updateTable(owner.table)
      .set({ baseline_generation: generation })
      .where('account_id', '=', accountId)
      .where(owner.graphIdColumn, 'in', inList(ids));
    // A link another folder now holds is that folder's to vouch for.
    if (scope.kind === 'mail') stamp = stamp.where('folder', '=', scope.folder);
    await stamp.execute();
  }
}

/**
 * The completed baseline's sweep: attached links in its scope that it did not list (older or no
 * generation) are gone from Outlook, so they are detached like a reported removal. CRM records stay.
 */
async function detachUnlisted(
  trx: Transaction<Database>,
  accountId: string,
  scope: BaselineScope,
  generation: number,
  now: number,
): Promise<number> {
  const { item, owner } = filedTables(scope);
  let sweep = trx
    .withTables<Record<string, Record<string, unknown>>>()
    .updateTable(owner.table)
    .set({ [owner.detachedColumn]: toIso(now) })
    .where('account_id', '=', accountId)
    .where(owner.detachedColumn, 'is', null)
    .where((eb) => eb.or([eb('baseline_generation', 'is', null), eb('baseline_generation', '<', generation)]))
    // Correlated, so only this account's links are looked up, not every tenant's recent items.
    .where((eb) => {
      let inScope = eb
        .selectFrom(item.table)
        .select(`${item.table}.id`)
        .whereRef(`${item.table}.id`, '=', `${owner.table}.${owner.itemColumn}`);
      inScope =
        scope.kind === 'mail'
          ? inScope.where('mail_items.sent_at', '>=', scope.sentFrom)
          : inScope
              .where('diary_items.start_at', '>=', scope.start)
              .where('diary_items.end_at', '<=', scope.end);
      return eb.exists(inScope);
    });
  if (scope.kind === 'mail') sweep = sweep.where('folder', '=', scope.folder);
  const result = await sweep.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The tables a baseline's scope sweeps, by name. */
function filedTables(scope: BaselineScope): FiledTables<unknown, unknown, unknown> {
  return scope.kind === 'mail' ? MAIL_TABLES : DIARY_TABLES;
}

function asNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

interface RunDelta {
  added: number;
  updated: number;
  removed: number;
  skipped: Partial<Record<string, number>>;
  done: number;
}

async function addToRun(trx: Transaction<Database>, runId: string, delta: RunDelta): Promise<void> {
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
