import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import type { z } from 'zod/v4';
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
  itemSchema: z.ZodType<T, unknown>;
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
  const round: RoundState = {
    cursor: spec.cursor,
    incremental: spec.cursor?.roundComplete === true,
    rebaselines: 0,
    prefetched: null,
  };
  const run = runRecorder(spec, deps, () => round.cursor);
  try {
    if (!round.cursor?.roundComplete) await run.open();
    for (;;) {
      if (deps.shouldStop()) {
        await run.close('cancelled');
        return { kind: 'stopped' };
      }
      const raw = await nextPage(spec, deps, round, run);
      if (raw === ASK_AGAIN) continue;
      const page = parseDeltaPage(raw, spec.itemSchema);
      const next = cursorAfterPage(page, deps.graphBaseUrl);
      // The next page is requested while this one commits: still one request at a time per resource,
      // but the network and the database work overlap. A prefetched page is only used after its
      // predecessor committed, so the exactly-once order is unchanged; an unused one is dropped.
      if (!next.roundComplete) round.prefetched = prefetch(spec, deps, next);
      await commitRoundPage(spec, deps, run, round, page, next);
      round.cursor = next;
      if (next.roundComplete) {
        await run.close('succeeded');
        return { kind: 'completed' };
      }
    }
  } catch (err) {
    return fail(err, run.close);
  }
}

interface RoundState {
  /** The cursor the next page is fetched from; null for a baseline's first page. */
  cursor: DeltaCursor | null;
  /** The round continues a completed one (not a baseline). */
  incremental: boolean;
  rebaselines: number;
  prefetched: Promise<unknown> | null;
}

interface RunRecorder {
  /** `forImport`: an import's run also shows progress; a run opened to record a failure does not ask Graph. */
  open(forImport?: boolean): Promise<string>;
  close(status: RunEnd['status'], error?: RunEnd['error']): Promise<void>;
  readonly id: string | null;
}

/** The round's run record, opened when there is something to record and closed with the round. */
function runRecorder<T>(spec: RoundSpec<T>, deps: RoundDeps, cursor: () => DeltaCursor | null): RunRecorder {
  let runId: string | null = null;
  const requestsBefore = deps.stats.requests;
  const throttledBefore = deps.stats.throttledMs;
  const open = async (forImport = true) => {
    if (runId !== null) return runId;
    const progress =
      !forImport || cursor()?.roundComplete === true || !spec.importProgress
        ? { done: 0, estimate: null }
        : await spec.importProgress();
    runId = await startRun(deps.db, {
      accountId: deps.accountId,
      resource: spec.resource,
      now: deps.now(),
      progressDone: progress.done,
      progressEstimate: progress.estimate,
    });
    return runId;
  };
  const close = async (status: RunEnd['status'], error?: RunEnd['error']) => {
    // Rounds that recorded nothing leave no row when they end quietly.
    if (runId === null && (status === 'succeeded' || status === 'cancelled')) return;
    const id = await open(false);
    await finishRun(deps.db, id, {
      status,
      requests: deps.stats.requests - requestsBefore,
      throttledMs: deps.stats.throttledMs - throttledBefore,
      ...(error ? { error } : {}),
      now: deps.now(),
    });
  };
  return {
    open,
    close,
    get id() {
      return runId;
    },
  };
}

function fetchPage<T>(spec: RoundSpec<T>, deps: RoundDeps, cursor: DeltaCursor | null): Promise<unknown> {
  const request = spec.request(cursor);
  return deps.client.api(request.url).headers(request.headers).get() as Promise<unknown>;
}

function prefetch<T>(spec: RoundSpec<T>, deps: RoundDeps, cursor: DeltaCursor): Promise<unknown> {
  const page = fetchPage(spec, deps, cursor);
  // Observed here so that a page nobody awaits (stop, failed commit) is not an unhandled rejection.
  page.catch(() => undefined);
  return page;
}

const ASK_AGAIN = Symbol('ask again');

/**
 * The page the round is at (prefetched or fetched now), or ASK_AGAIN after a failure the round
 * recovers from: an expired cursor starts a clean baseline, an initial request Graph refused is
 * asked again in the form the spec now uses.
 */
async function nextPage<T>(
  spec: RoundSpec<T>,
  deps: RoundDeps,
  round: RoundState,
  run: RunRecorder,
): Promise<unknown> {
  try {
    return await (round.prefetched ?? fetchPage(spec, deps, round.cursor));
  } catch (err) {
    const failure = graphFailure(err);
    if (
      failure &&
      planAfterFailure(failure.status, failure.code).action === 'rebaseline' &&
      round.rebaselines < MAX_REBASELINES_PER_ROUND
    ) {
      round.rebaselines += 1;
      await resetCursor(deps.db, deps.owner, deps.accountId, spec.resource, deps.now());
      round.cursor = null;
      round.incremental = false;
      await run.open();
      return ASK_AGAIN;
    }
    if (failure && round.cursor === null && spec.initialRequestRefused?.(failure) === true) return ASK_AGAIN;
    throw err;
  } finally {
    round.prefetched = null;
  }
}

/** Reconciles the page (when it has entries) and commits it with the cursor that follows it. */
async function commitRoundPage<T>(
  spec: RoundSpec<T>,
  deps: RoundDeps,
  run: RunRecorder,
  round: RoundState,
  page: DeltaPage<T>,
  next: DeltaCursor,
): Promise<void> {
  const reconciled =
    page.entries.length === 0 && page.rejected.length === 0
      ? null
      : await spec.reconcile(spec.complete ? await spec.complete(page) : page, await deps.filing(), {
          incremental: round.incremental,
        });
  const { cursor } = round;
  await commitPage(deps.db, {
    owner: deps.owner,
    accountId: deps.accountId,
    resource: spec.resource,
    ops: reconciled?.ops ?? [],
    cursor: next,
    window: spec.window,
    runId: reconciled ? await run.open() : run.id,
    counts: reconciled?.counts ?? { filed: 0, removed: 0, skipped: {}, rejected: 0 },
    now: deps.now(),
    // Fetched without a cursor or from a nextLink: maybe a baseline's page (page-commit.ts decides).
    ...(!cursor?.roundComplete
      ? { baseline: { first: cursor === null, listed: listedIds(page.entries), scope: spec.baselineScope() } }
      : {}),
  });
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
