import type { HealthStatus } from '#shared/contract.js';
import type { SyncAccountState, SyncRunStatus } from '../store/schema.js';

/** What the store says about one synced resource (a mail folder, or the diary) of one account. */
export interface ResourceFacts {
  accountState: SyncAccountState;
  enabled: boolean;
  /** The account's Retry-After deadline, if Graph throttled it. */
  throttledUntil: string | null;
  running: boolean;
  /** Status of the most recent run that ended, or null if none has. */
  lastFinishedStatus: SyncRunStatus | null;
  everSucceeded: boolean;
}

/**
 * One health word per resource. Account-level states win (a paused account is "paused" even if its
 * last run failed); throttling is told apart from failure because the worker recovers from it alone.
 */
export function classifyResource(facts: ResourceFacts, now: Date): HealthStatus {
  if (facts.accountState === 'reconnect_required') return 'needs_reconnect';
  if (facts.accountState === 'paused') return 'paused';
  if (facts.accountState !== 'active' || !facts.enabled) return 'off';
  const throttledNow = facts.throttledUntil !== null && Date.parse(facts.throttledUntil) > now.getTime();
  if (throttledNow || facts.lastFinishedStatus === 'throttled') return 'throttled';
  if (facts.running) return 'syncing';
  if (facts.lastFinishedStatus === 'failed') return 'failing';
  return facts.everSucceeded ? 'healthy' : 'waiting';
}

/** Worst first: the order in which one bad folder speaks for the whole mailbox. */
const SEVERITY: readonly HealthStatus[] = [
  'needs_reconnect',
  'paused',
  'off',
  'failing',
  'throttled',
  'syncing',
  'healthy',
  'waiting',
];

/** Mail is several folders; its health is that of its worst folder, "waiting" only if none has run. */
export function combineHealth(statuses: readonly HealthStatus[]): HealthStatus {
  if (statuses.length === 0) return 'waiting';
  return SEVERITY.find((s) => statuses.includes(s)) ?? 'waiting';
}
