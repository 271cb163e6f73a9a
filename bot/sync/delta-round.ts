import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { listedIds, type BaselineScope } from './core/baseline.js';
import type { CalendarWindow } from './core/calendar-window.js';
import {
  cursorAfterPage,
  DeltaCursorError,
  planAfterFailure,
  type DeltaCursor,
  type DeltaRequest,
} from './core/delta-cursor.js';
import { DeltaPageError, parseDeltaPage, type DeltaPage } from './core/delta-page.js';
import type { ReconciledPage, SyncResource } from './core/store-ops.js';
import type { AccountFilingContext } from './filing-context.js';
import { graphFailure } from './graph-client.js';
import { LeaseLostError } from './lease.js';
import type { RequestStats } from './mailbox-gate.js';
import { commitPage, resetCursor } from './page-commit.js';
import { finishRun, startRun, type RunEnd } from './run-record.js';
import type { Database } from '../store/schema.js';
import { ReconnectRequiredError } from './token-provider.js';

/**
 * One delta round of one resource (a mail folder, or the calendar view): follow links from the stored
 * cursor until Graph hands out a deltaLink, committing every page with its cursor (page-commit.ts).
 *
 * - A 410 / syncStateNotFound drops the cursor and starts a clean baseline in the same run (bounded,
 *   so a service that keeps answering 410 cannot loop a worker forever). Deletions it hid are applied
 *   when that baseline completes (core/baseline.ts).
 * - Stopping (shutdown, lost lease) takes effect between pages: the page in hand is committed first.
 * - A run record is opened at once for an import (initial or resumed), so its progress shows while it
 *   runs; an incremental round opens one only when a page carries changes, so idle polls of thousands
 *   of accounts leave no history rows behind (last_synced_at shows their freshness).
 */

export interface RoundSpec<T> {
  resource: SyncResource;
  itemSchema: z.ZodType<T, z.ZodTypeDef, unknown>;
  request(cursor: DeltaCursor | null): DeltaRequest;
  /** `round.incremental`: the round continues a completed one (not a baseline). */
  reconcile(
    page: DeltaPage<T>,
    filing: AccountFilingContext,
    round: { incremental: boolean },
  ): ReconciledPage | Promise<ReconciledPage>;
  /** Reads what a page's items lack before they are reconciled (mail: sensitivity-lookup.ts). */
  complete?(page: DeltaPage<T>): Promise<DeltaPage<T>>;
  /**
   * Graph refused the round's initial request: true when the spec now asks in a form Graph accepts
   * (mail: without the $expand some tenants refuse on delta), so the request is sent again.
   */
  initialRequestRefused?(failure: { status: number; code: string | null }): boolean;
  /** The diary's window the cursor belongs to; null for mail. */
  window: CalendarWindow | null;
  /** What a baseline of this resource lists, for detaching what it did not (core/baseline.ts). */
  baselineScope(): BaselineScope;
  /** Where the round starts: the stored cursor, or null for a new baseline. */
  cursor: DeltaCursor | null;
  /** Items already done and the expected total, for an import's progress. */
  importProgress?(): Promise<{ done: number; estimate: number | null }>;
}

export interface RoundDeps {
  db: Kysely<Database>;
  client: Client;
  graphBaseUrl: string;
  owner: string;
  accountId: string;
  filing(): Promise<AccountFilingContext>;
  stats: RequestStats;
  shouldStop(): boolean;
  now(): number;
}

export type RoundOutcome =
  | { kind: 'completed' }
  | { kind: 'stopped' }
  | { kind: 'throttled' }
  | { kind: 'failed'; code: string; message: string }
  /** Final for the account: no token, or the lease went to another worker. */
  | { kind: 'aborted'; reason: 'reconnect_required' | 'lease_lost' };

const MAX_REBASELINES_PER_ROUND = 2;

export async function runDeltaRound<T>(spec: RoundSpec<T>, deps: RoundDeps): Promise<RoundOutcome> {
  const { db, accountId } = deps;
  let cursor = spec.cursor;
  let runId: string | null = null;
  let rebaselines = 0;
  let incremental = cursor?.roundComplete === true;
  const requestsBefore = deps.stats.requests;
  const throttledBefore = deps.stats.throttledMs;

  /** `forImport`: an import's run also shows progress; a run opened to record a failure does not ask Graph. */
  const openRun = async (forImport = true) => {
    if (runId !== null) return runId;
    const progress =
      !forImport || cursor?.roundComplete === true || !spec.importProgress
        ? { done: 0, estimate: null }
        : await spec.importProgress();
    runId = await startRun(db, {
      accountId,
      resource: spec.resource,
      now: deps.now(),
      progressDone: progress.done,
      progressEstimate: progress.estimate,
    });
    return runId;
  };
  const closeRun = async (status: RunEnd['status'], error?: RunEnd['error']) => {
    // Rounds that recorded nothing leave no row when they end quietly.
    if (runId === null && (status === 'succeeded' || status === 'cancelled')) return;
    const id = await openRun(false);
    await finishRun(db, id, {
      status,
      requests: deps.stats.requests - requestsBefore,
      throttledMs: deps.stats.throttledMs - throttledBefore,
      ...(error ? { error } : {}),
      now: deps.now(),
    });
  };

  const fetchPage = (c: DeltaCursor | null): Promise<unknown> => {
    const request = spec.request(c);
    return deps.client.api(request.url).headers(request.headers).get() as Promise<unknown>;
  };
  // The next page is requested while this one commits: still one request at a time per resource, but
  // the network and the database work overlap. A prefetched page is only used after its predecessor
  // committed, so the exactly-once order is unchanged; an unused one (stop, failure) is dropped.
  let prefetched: Promise<unknown> | null = null;

  try {
    if (cursor === null || !cursor.roundComplete) await openRun();
    for (;;) {
      if (deps.shouldStop()) {
        await closeRun('cancelled');
        return { kind: 'stopped' };
      }
      let raw: unknown;
      try {
        raw = await (prefetched ?? fetchPage(cursor));
      } catch (err) {
        const failure = graphFailure(err);
        if (
          failure &&
          planAfterFailure(failure.status, failure.code).action === 'rebaseline' &&
          rebaselines < MAX_REBASELINES_PER_ROUND
        ) {
          rebaselines += 1;
          prefetched = null;
          await resetCursor(db, deps.owner, accountId, spec.resource, deps.now());
          cursor = null;
          incremental = false;
          await openRun();
          continue;
        }
        if (failure && cursor === null && spec.initialRequestRefused?.(failure) === true) {
          prefetched = null;
          continue;
        }
        throw err;
      }
      prefetched = null;
      const page = parseDeltaPage(raw, spec.itemSchema);
      const next = cursorAfterPage(page, deps.graphBaseUrl);
      if (!next.roundComplete) {
        prefetched = fetchPage(next);
        // Observed here so that a page nobody awaits (stop, failed commit) is not an unhandled rejection.
        prefetched.catch(() => undefined);
      }
      const reconciled =
        page.entries.length === 0 && page.rejected.length === 0
          ? null
          : await spec.reconcile(spec.complete ? await spec.complete(page) : page, await deps.filing(), {
              incremental,
            });
      await commitPage(db, {
        owner: deps.owner,
        accountId,
        resource: spec.resource,
        ops: reconciled?.ops ?? [],
        cursor: next,
        window: spec.window,
        runId: reconciled ? await openRun() : runId,
        counts: reconciled?.counts ?? { filed: 0, removed: 0, skipped: {}, rejected: 0 },
        now: deps.now(),
        // Fetched without a cursor or from a nextLink: maybe a baseline's page (page-commit.ts decides).
        ...(cursor === null || !cursor.roundComplete
          ? {
              baseline: {
                first: cursor === null,
                listed: listedIds(page.entries),
                scope: spec.baselineScope(),
              },
            }
          : {}),
      });
      cursor = next;
      if (next.roundComplete) {
        await closeRun('succeeded');
        return { kind: 'completed' };
      }
    }
  } catch (err) {
    return fail(err, closeRun);
  }
}

async function fail(
  err: unknown,
  closeRun: (status: RunEnd['status'], error?: RunEnd['error']) => Promise<void>,
): Promise<RoundOutcome> {
  if (err instanceof LeaseLostError) {
    await closeRun('cancelled', { code: 'lease_lost', message: 'another worker took over this account' });
    return { kind: 'aborted', reason: 'lease_lost' };
  }
  if (err instanceof ReconnectRequiredError) {
    await closeRun('failed', { code: 'reconnect_required', message: err.message });
    return { kind: 'aborted', reason: 'reconnect_required' };
  }
  const failure = graphFailure(err);
  if (failure && (failure.status === 429 || failure.status === 503)) {
    await closeRun('throttled', {
      code: failure.code ?? String(failure.status),
      message: 'Microsoft Graph asked to slow down',
    });
    return { kind: 'throttled' };
  }
  const { code, message } = describe(err, failure);
  await closeRun('failed', { code, message });
  return { kind: 'failed', code, message };
}

function describe(err: unknown, failure: ReturnType<typeof graphFailure>): { code: string; message: string } {
  if (failure)
    return {
      code: failure.code ?? `http_${failure.status}`,
      message: `Microsoft Graph answered HTTP ${failure.status}`,
    };
  if (err instanceof DeltaPageError || err instanceof DeltaCursorError)
    return { code: 'invalid_response', message: err.message };
  // Other errors (network, database) carry their own message; URLs are cut off since links hold state tokens.
  const text = err instanceof Error ? err.message : String(err);
  return { code: 'error', message: text.replace(/https?:\/\/\S+/g, '[url]') };
}
