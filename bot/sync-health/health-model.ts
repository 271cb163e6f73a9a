import type { HealthStatus, ResourceKind } from '#shared/contract.js';
import type { SyncAccountState, SyncRunStatus } from '../store/schema.js';
import { classifyResource, combineHealth } from './classify.js';

/**
 * The one health model: what chat `status`, the tab's My sync and the Organisation view all say about
 * a user's mail and diary, folded from the same facts by the same rules. Loaders (account-health.ts,
 * tenant-health.ts) only gather the facts.
 */

/** What the store says about one synced resource (a mail folder, or the diary) of one account. */
export interface ResourceRecord {
  resource: string;
  running: boolean;
  /** Status of the latest run that ended, or null if none has. */
  lastFinishedStatus: SyncRunStatus | null;
  /** End of the latest successful run (a round that copied something). */
  lastSucceededAt: string | null;
  /** When the resource's last complete delta round was committed (idle checks record no run). */
  roundCompletedAt: string | null;
}

export interface AccountFacts {
  state: SyncAccountState;
  mailEnabled: boolean;
  diaryEnabled: boolean;
  throttledUntil: string | null;
}

/** The facts from an account row's switches (absent for a user without an account: all off). */
export function accountFacts(
  state: SyncAccountState,
  row: { mail_enabled: number | null; diary_enabled: number | null; throttled_until: string | null },
): AccountFacts {
  return {
    state,
    mailEnabled: row.mail_enabled === 1,
    diaryEnabled: row.diary_enabled === 1,
    throttledUntil: row.throttled_until,
  };
}

export interface KindHealth {
  resource: ResourceKind;
  enabled: boolean;
  status: HealthStatus;
  /** Plain words for the status; for a resource that is off, why. */
  statusText: string;
  /** The last successful check of every folder of this kind; null until each has had one. */
  lastSyncedAt: string | null;
}

export const kindOf = (resource: string): ResourceKind => (resource === 'diary' ? 'diary' : 'mail');

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/** A resource's last successful check: its last complete round, or its last successful run. */
export function lastCheckOf(record: ResourceRecord): string | null {
  return later(record.roundCompletedAt, record.lastSucceededAt);
}

export function kindHealth(
  kind: ResourceKind,
  account: AccountFacts,
  records: readonly ResourceRecord[],
  now: Date,
): KindHealth {
  const enabled = kind === 'mail' ? account.mailEnabled : account.diaryEnabled;
  const mine = records.filter((r) => kindOf(r.resource) === kind);
  const checks = mine.map(lastCheckOf);
  const lastSyncedAt =
    checks.length === 0 || checks.some((c) => c === null)
      ? null
      : checks.reduce<string | null>((oldest, c) => (oldest === null || c! < oldest ? c : oldest), null);
  const everSucceeded = checks.some((c) => c !== null);
  const statuses = (mine.length ? mine : [null]).map((r) =>
    classifyResource(
      {
        accountState: account.state,
        enabled,
        throttledUntil: account.throttledUntil,
        running: r?.running ?? false,
        lastFinishedStatus: r?.lastFinishedStatus ?? null,
        everSucceeded,
      },
      now,
    ),
  );
  const status = combineHealth(statuses);
  return { resource: kind, enabled, status, statusText: explainStatus(status, account.state), lastSyncedAt };
}

/** Why a resource stands where it stands, in the words the chat, the tab and the admin view share. */
export function explainStatus(status: HealthStatus, state: SyncAccountState): string {
  switch (status) {
    case 'healthy':
      return 'Up to date.';
    case 'syncing':
      return 'Copying now.';
    case 'waiting':
      return 'Not run yet: the first copy starts within seconds.';
    case 'throttled':
      return 'Microsoft 365 asked Cloud Sync to slow down; it carries on by itself.';
    case 'failing':
      return 'The last check failed; Cloud Sync tries again by itself.';
    case 'paused':
      return 'Paused: nothing new is copied until Cloud Sync is resumed.';
    case 'needs_reconnect':
      return 'Stopped: Microsoft 365 needs a new sign-in (Reconnect).';
    case 'off':
      return offReason(state);
  }
}

function offReason(state: SyncAccountState): string {
  switch (state) {
    case 'active':
      return 'Switched off by the user; the rest of Cloud Sync carries on.';
    case 'disabled':
      return 'Off: Cloud Sync is switched off.';
    case 'activating':
      return 'Not started yet: Cloud Sync is being switched on.';
    default:
      return 'Not started: Cloud Sync is not on yet.';
  }
}

/** The account's freshness for one-line views: the oldest last check of what is switched on. */
export function accountLastSync(resources: readonly KindHealth[]): string | null {
  const on = resources.filter((r) => r.enabled);
  if (on.length === 0 || on.some((r) => r.lastSyncedAt === null)) return null;
  return on.map((r) => r.lastSyncedAt!).sort()[0]!;
}
