import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import type { Logger } from '../logging/logger.js';
import { toIso } from '../store/columns.js';
import type { FetchLike } from '../net/tls-trust.js';
import type { WindowSettings } from './core/calendar-window.js';
import { DEFAULT_ROUNDS_PER_MAILBOX, type MailboxLimiter } from './core/mailbox-limiter.js';
import {
  DEFAULT_NOTIFICATION_HEALTH,
  deltaNeeded,
  nextRun,
  notificationsLive,
  type SubscriptionHealth,
} from './core/notification-health.js';
import type { RunOutcome, ScheduleSettings } from './core/scheduling.js';
import type { SyncResource } from './core/store-ops.js';
import { runDeltaRound, type RoundDeps, type RoundOutcome, type RoundSpec } from './delta-round.js';
import { DIARY_RESOURCE, diaryRound } from './diary-round.js';
import { writeCrmAppointments } from './diary-outbound.js';
import { takeOwnEvents } from './own-events.js';
import { loadFilingContext, type AccountFilingContext } from './filing-context.js';
import { createGraphClient, graphApiRoot } from './graph-client.js';
import { newRequestStats, type RequestStats } from './mailbox-gate.js';
import { mailResource, mailRound } from './mail-round.js';
import { releaseLease } from './lease.js';
import { loadCursor } from './page-commit.js';
import { ensureSubscriptions, loadSubscriptionHealth, type SubscriptionSettings } from './subscriptions.js';
import type { Database } from '../store/schema.js';
import type { TokenProvider } from './token-provider.js';

/**
 * One run of one leased account: its resources' delta rounds, one after another or side by side
 * (`roundsPerMailbox`; Graph allows four concurrent requests per app and mailbox, each round has one
 * page request out at a time, and the mailbox gate holds any follow-up request that would exceed
 * four), then its subscriptions, then the next run's time and the lease's release in one transaction.
 *
 * Side by side, requests already on their way when Graph answers one of them 429 arrive inside its
 * Retry-After; that cannot be helped, and Graph's guidance only asks that nothing be sent once the
 * answer is read. The gate holds every later request of the mailbox until the Retry-After has passed,
 * then lets one go first and the rest follow its answer.
 *
 * Each round commits its own pages with its own cursor. The commits of one account never interleave:
 * SQLite has one connection, and on PostgreSQL every page transaction starts by fencing the lease row,
 * which it holds locked until commit, so the pages of the account's resources commit one at a time.
 *
 * While the account's change notifications are live and nothing asked for a whole read, a run reads
 * only the resources a change notification named, and otherwise only looks after its subscriptions
 * (core/notification-health.ts): an idle account then costs a safety delta at a long interval plus
 * its subscriptions' renewals, and a new message one delta request of its folder.
 */

export interface SyncSettings {
  mailFolders: readonly string[];
  historyDays: number;
  window: WindowSettings;
  fileWithoutContact: boolean;
  schedule: ScheduleSettings;
  pageSize?: number;
  /** How many of the mailbox's resources page at once (DEFAULT_ROUNDS_PER_MAILBOX when absent). */
  roundsPerMailbox?: number;
  maxRetries?: number;
  retryDelaySeconds?: number;
}

export interface AccountSyncDeps {
  db: Kysely<Database>;
  owner: string;
  graphBaseUrl: string;
  fetch: FetchLike;
  limiter: MailboxLimiter;
  tokens: TokenProvider;
  settings: SyncSettings;
  /** Null when change notifications are off (polling only). */
  subscriptions: SubscriptionSettings | null;
  logger: Logger;
  now(): number;
  random(): number;
}

export interface AccountRunResult {
  outcome:
    'completed' | 'throttled' | 'failed' | 'stopped' | 'reconnect_required' | 'lease_lost' | 'not_active';
  resources: Partial<Record<SyncResource, RoundOutcome['kind']>>;
  requests: number;
  /** True when the run read every resource; false when it read only those a notification named, or none. */
  readMailbox: boolean;
  /** When the account is due again, as the run's end wrote it (absent when it wrote no schedule). */
  nextRunAt?: number | null;
}

export async function syncAccount(
  deps: AccountSyncDeps,
  accountId: string,
  shouldStop: () => boolean,
): Promise<AccountRunResult> {
  const account = await loadAccount(deps.db, accountId);
  if (!account || account.state !== 'active') {
    await releaseLease(deps.db, deps.owner, accountId);
    return { outcome: 'not_active', resources: {}, requests: 0, readMailbox: false };
  }

  deps.tokens.resume(accountId);
  const stats = newRequestStats();
  const client = accountGraphClient(deps, account, stats);
  const resources: SyncResource[] = [
    ...(account.mail_enabled ? deps.settings.mailFolders.map(mailResource) : []),
    ...(account.diary_enabled ? [DIARY_RESOURCE] : []),
  ];
  const health = deps.subscriptions ? (deps.subscriptions.health ?? DEFAULT_NOTIFICATION_HEALTH) : null;
  const readMailbox = deltaNeeded(
    {
      requested: account.delta_requested === 1,
      deltaDueAt: account.delta_due_at === null ? null : Date.parse(account.delta_due_at),
      live:
        health !== null &&
        notificationsLive(await loadSubscriptionHealth(deps.db, accountId), resources, deps.now(), health),
    },
    deps.now(),
  );
  if (readMailbox && account.delta_requested === 1) {
    // Cleared before reading, so a notification arriving during the read asks again.
    await deps.db
      .updateTable('sync_accounts')
      .set({ delta_requested: 0 })
      .where('id', '=', accountId)
      .execute();
  }
  // Resources a change notification named; taken (and cleared) before reading, like the request flag.
  const changed = health ? await takeChangedResources(deps.db, accountId) : [];
  const toRead = readMailbox ? resources : resources.filter((r) => changed.includes(r));
  const result: AccountRunResult =
    toRead.length > 0
      ? { ...(await runRounds(deps, account, client, toRead, stats, shouldStop)), readMailbox }
      : { outcome: 'completed', resources: {}, requests: 0, readMailbox: false };
  if (
    (result.outcome === 'completed' || result.outcome === 'failed') &&
    deps.subscriptions &&
    !shouldStop()
  ) {
    const report = await ensureSubscriptions(
      deps.db,
      client,
      accountId,
      resources,
      deps.subscriptions,
      deps.now,
      () => deps.tokens.refresh(accountId),
    );
    if (report.failures.length > 0)
      deps.logger.warn({ accountId, failures: report.failures }, 'subscription upkeep failed');
  }
  result.requests = stats.requests;
  // What was asked for and not read to the end (a failed, throttled or interrupted round) is asked
  // for again: the flags were cleared before reading, and the retry reads only what they name.
  const asked =
    readMailbox && account.delta_requested === 1 ? toRead : toRead.filter((r) => changed.includes(r));
  const unread = asked.filter((r) => result.resources[r] !== 'completed');
  if (unread.length > 0) await markChangesPending(deps.db, accountId, unread);

  // A failed run may be a token Graph no longer accepts (401): the next run acquires a fresh one.
  if (result.outcome === 'failed' || result.outcome === 'lease_lost') deps.tokens.forget(accountId);
  if (result.outcome === 'lease_lost') return result;
  const subscriptions = deps.subscriptions ? await loadSubscriptionHealth(deps.db, accountId) : [];
  result.nextRunAt = await finish(deps, account, result, stats.throttledUntil, {
    subscriptions,
    resources,
    health,
  });
  return result;
}

type AccountRow = NonNullable<Awaited<ReturnType<typeof loadAccount>>>;

async function takeChangedResources(db: Kysely<Database>, accountId: string): Promise<string[]> {
  const rows = await db
    .updateTable('graph_subscriptions')
    .set({ change_pending: 0 })
    .where('account_id', '=', accountId)
    .where('change_pending', '=', 1)
    .returning('resource')
    .execute();
  return rows.map((r) => r.resource);
}

async function markChangesPending(
  db: Kysely<Database>,
  accountId: string,
  resources: readonly SyncResource[],
): Promise<void> {
  await db
    .updateTable('graph_subscriptions')
    .set({ change_pending: 1 })
    .where('account_id', '=', accountId)
    .where('resource', 'in', [...resources])
    .execute();
}

function loadAccount(db: Kysely<Database>, accountId: string) {
  return db
    .selectFrom('sync_accounts')
    .select([
      'id',
      'state',
      'ms_tenant_id',
      'ms_object_id',
      'mail_enabled',
      'diary_enabled',
      'next_run_at',
      'throttled_until',
      'consecutive_failures',
      'delta_due_at',
      'delta_requested',
    ])
    .where('id', '=', accountId)
    .executeTakeFirst();
}

/** A Graph client that speaks for this mailbox only: its token, its limiter slot, its request stats. */
function accountGraphClient(deps: AccountSyncDeps, account: AccountRow, stats: RequestStats): Client {
  const { maxRetries, retryDelaySeconds } = deps.settings;
  return createGraphClient({
    baseUrl: deps.graphBaseUrl,
    fetch: deps.fetch,
    limiter: deps.limiter,
    mailbox: account.id,
    stats,
    accessToken: () =>
      deps.tokens.accessToken({
        id: account.id,
        msTenantId: account.ms_tenant_id,
        msObjectId: account.ms_object_id,
      }),
    ...(maxRetries !== undefined ? { maxRetries } : {}),
    ...(retryDelaySeconds !== undefined ? { retryDelaySeconds } : {}),
  });
}

/**
 * The resources' delta rounds, `roundsPerMailbox` at a time, until each ends. A round that ends the
 * run (throttling, no token, no lease, shutdown) stops the others after the page each has in hand and
 * starts no more: a throttled mailbox would only give them the same answer.
 */
async function runRounds(
  deps: AccountSyncDeps,
  account: AccountRow,
  client: Client,
  resources: readonly SyncResource[],
  stats: RequestStats,
  shouldStop: () => boolean,
): Promise<AccountRunResult> {
  const { db } = deps;
  const accountId = account.id;
  let filing: Promise<AccountFilingContext> | undefined;
  let runEnded = false;
  // Each round gets its own client and counters, so its run record counts its own requests; the
  // mailbox's limiter (concurrency, Retry-After) is shared by all of them.
  const roundDeps = (): RoundDeps => {
    const roundStats = newRequestStats();
    return {
      db,
      client: accountGraphClient(deps, account, roundStats),
      graphBaseUrl: graphApiRoot(deps.graphBaseUrl),
      owner: deps.owner,
      accountId,
      // Loaded only when a page has items: idle polls never read the contact directory.
      filing: () =>
        (filing ??= loadFilingContext(db, accountId, {
          fileWithoutContact: deps.settings.fileWithoutContact,
        })),
      stats: roundStats,
      shouldStop: () => runEnded || shouldStop(),
      now: deps.now,
    };
  };
  const result: AccountRunResult = { outcome: 'completed', resources: {}, requests: 0, readMailbox: true };
  // CRM appointments go to Outlook first: an event created just before a crash is then adopted (and
  // its id stored) before the diary's reader meets it.
  if (resources.includes(DIARY_RESOURCE)) result.outcome = await writeOutbound(deps, client, accountId);
  if (result.outcome !== 'completed') return result;
  const runResource = async (resource: SyncResource): Promise<RoundOutcome> => {
    const round = roundDeps();
    const spec = await roundSpec(deps, round, resource);
    const outcome = await runDeltaRound(spec, round).finally(() => {
      stats.requests += round.stats.requests;
      stats.throttledMs = Math.max(stats.throttledMs, round.stats.throttledMs);
      stats.throttledUntil = Math.max(stats.throttledUntil, round.stats.throttledUntil);
    });
    result.resources[resource] = outcome.kind;
    if (outcome.kind === 'aborted' || outcome.kind === 'throttled' || outcome.kind === 'stopped')
      runEnded = true;
    if (outcome.kind === 'failed')
      deps.logger.warn({ accountId, resource, errorCode: outcome.code }, 'sync round failed');
    return outcome;
  };
  // Lanes take the next resource until none is left or a round ended the run.
  const outcomes: RoundOutcome[] = [];
  let next = 0;
  const lane = async () => {
    while (next < resources.length && !runEnded && !shouldStop())
      outcomes.push(await runResource(resources[next++]!));
  };
  const lanes = Math.min(
    Math.max(1, deps.settings.roundsPerMailbox ?? DEFAULT_ROUNDS_PER_MAILBOX),
    resources.length,
  );
  await Promise.all(Array.from({ length: lanes }, lane));
  result.outcome = runOutcome(outcomes, shouldStop());
  return result;
}

/**
 * What the rounds make of the run, the most final first: an aborted round (no token, no lease) ends
 * the account's work; throttling sets when it may resume; a shutdown hands it on; a failed round
 * counts as a failure. Rounds stopped only because another round ended the run do not count as a stop.
 */
function runOutcome(outcomes: readonly RoundOutcome[], stopping: boolean): AccountRunResult['outcome'] {
  const aborted = outcomes.find((o) => o.kind === 'aborted');
  if (aborted) return aborted.reason;
  if (outcomes.some((o) => o.kind === 'throttled')) return 'throttled';
  if (stopping && outcomes.some((o) => o.kind === 'stopped')) return 'stopped';
  if (outcomes.some((o) => o.kind === 'failed')) return 'failed';
  return 'completed';
}

/** The CRM's appointments written to the owner's calendar; what it ends as ends the run too. */
async function writeOutbound(
  deps: AccountSyncDeps,
  client: Client,
  accountId: string,
): Promise<AccountRunResult['outcome']> {
  const outbound = await writeCrmAppointments({ db: deps.db, client, accountId, now: deps.now });
  if (outbound.failed > 0)
    deps.logger.warn({ accountId, failed: outbound.failed }, 'CRM appointments not written');
  return outbound.outcome;
}

/** The round of one resource from its stored cursor: the calendar view, or a mail folder. */
async function roundSpec(
  deps: AccountSyncDeps,
  round: RoundDeps,
  resource: SyncResource,
): Promise<RoundSpec<unknown>> {
  const stored = await loadCursor(round.db, round.accountId, resource);
  const common = {
    client: round.client,
    graphBaseUrl: round.graphBaseUrl,
    pageSize: deps.settings.pageSize,
    now: deps.now,
  };
  return resource === DIARY_RESOURCE
    ? (diaryRound({
        ...common,
        stored,
        window: deps.settings.window,
        ownEvents: (page) =>
          takeOwnEvents(
            { db: round.db, client: round.client, accountId: round.accountId, now: deps.now },
            page,
          ),
      }) as RoundSpec<unknown>)
    : (mailRound({
        ...common,
        db: round.db,
        accountId: round.accountId,
        folder: resource.slice('mail:'.length),
        cursor: stored.cursor,
        historyDays: deps.settings.historyDays,
      }) as RoundSpec<unknown>);
}

interface NotificationState {
  subscriptions: readonly SubscriptionHealth[];
  resources: readonly SyncResource[];
  health: SubscriptionSettings['health'] | null;
}

/**
 * Writes the next run's and the next read's times (core scheduling) and releases the lease in one
 * transaction. A request that arrived during the run (a notification moved next_run_at) is detected
 * by comparing with the value read at the start, and turns into a prompt rerun; the conditional update
 * retries if another request lands between reading and writing. Returns the due time it wrote (null
 * when none), so the worker can wake for a rerun sooner than its next claim.
 */
async function finish(
  deps: AccountSyncDeps,
  account: AccountRow,
  result: AccountRunResult,
  throttledUntil: number,
  notifications: NotificationState,
): Promise<number | null> {
  const now = deps.now();
  const failures =
    result.outcome === 'failed'
      ? account.consecutive_failures + 1
      : result.outcome === 'completed'
        ? 0
        : account.consecutive_failures;
  const outcome: RunOutcome =
    result.outcome === 'reconnect_required' || result.outcome === 'not_active'
      ? { kind: 'stopped' }
      : result.outcome === 'throttled'
        ? { kind: 'throttled', notBefore: Math.max(throttledUntil, now) }
        : result.outcome === 'failed'
          ? { kind: 'failed', consecutiveFailures: failures }
          : { kind: 'completed' };
  const notBefore = account.throttled_until
    ? Math.max(Date.parse(account.throttled_until), throttledUntil)
    : throttledUntil;

  return deps.db.transaction().execute(async (trx) => {
    let dueAt: number | null = null;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await trx
        .selectFrom('sync_accounts')
        .select(['next_run_at', 'state'])
        .where('id', '=', account.id)
        .executeTakeFirst();
      if (!current || current.state !== 'active') break;
      // A stopped run (shutdown) is handed on at once: another worker, or this one restarted, resumes it.
      const rerunRequested = result.outcome === 'stopped' || current.next_run_at !== account.next_run_at;
      const running = {
        dueAt: null,
        notBefore: notBefore > now ? notBefore : 0,
        running: true,
        rerunRequested,
      };
      const schedule = nextRun(
        {
          schedule: running,
          outcome,
          ranDelta: result.readMailbox,
          deltaDueAt: account.delta_due_at === null ? null : Date.parse(account.delta_due_at),
          subscriptions: notifications.subscriptions,
          wanted: notifications.resources,
          health: notifications.health ?? null,
        },
        now,
        deps.settings.schedule,
        deps.random,
      );
      const seen = current.next_run_at;
      const updated = await trx
        .updateTable('sync_accounts')
        .set({
          next_run_at: schedule.dueAt === null ? null : toIso(schedule.dueAt),
          delta_due_at: schedule.deltaDueAt === null ? null : toIso(schedule.deltaDueAt),
          throttled_until: schedule.notBefore > now ? toIso(schedule.notBefore) : null,
          consecutive_failures: failures,
          updated_at: toIso(now),
          ...(result.outcome === 'completed' && result.readMailbox ? { last_synced_at: toIso(now) } : {}),
        })
        .where('id', '=', account.id)
        .where((eb) => (seen === null ? eb('next_run_at', 'is', null) : eb('next_run_at', '=', seen)))
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) {
        dueAt = schedule.dueAt;
        break;
      }
    }
    await releaseLease(trx, deps.owner, account.id);
    return dueAt;
  });
}
