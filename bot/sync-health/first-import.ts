import type { ResourceKind } from '#shared/contract.js';
import type { SyncAccountState, SyncRunStatus } from '../store/schema.js';
import { kindOf } from './health-model.js';
import { errorReasonText, skipReasonText } from './plain-words.js';

/**
 * Where a user's first import stands, from the runs recorded since activation: still running (how much
 * was copied of the estimated total), finished (what was copied and what was left out, and why) or
 * failing (the reason and what to do). Pure; bot/enablement/first-import-watch.ts gathers the facts and tells
 * the user in chat.
 */

export interface ImportRun {
  resource: string;
  status: SyncRunStatus;
  progressDone: number;
  progressEstimate: number | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface ImportFacts {
  state: SyncAccountState;
  enabled: Record<ResourceKind, boolean>;
  /** The resources a complete import covers: every configured mail folder (`mail:<folder>`) and `diary`. */
  expected: readonly string[];
  /** The latest run of each resource since activation. */
  runs: readonly ImportRun[];
  /** Items of this account in the CRM now. */
  copied: Record<ResourceKind, number>;
  /** Skips recorded since activation, by reason code. */
  skipped: Readonly<Record<string, number>>;
}

export interface KindProgress {
  resource: ResourceKind;
  copied: number;
  /** Items looked at so far and the estimated total (null when Graph gave no size). */
  examined: number;
  estimate: number | null;
}

export type ImportPhase =
  | { kind: 'not_started' }
  | { kind: 'running'; progress: KindProgress[] }
  | { kind: 'finished'; progress: KindProgress[]; leftOut: { reason: string; text: string; count: number }[] }
  | { kind: 'failing'; progress: KindProgress[]; reason: string; whatToDo: string }
  /** Paused, switched off or lost: nothing more to report. */
  | { kind: 'abandoned' };

export function importPhase(facts: ImportFacts): ImportPhase {
  if (facts.state === 'reconnect_required') {
    return {
      kind: 'failing',
      progress: progressOf(facts),
      reason: 'Microsoft 365 no longer accepts Cloud Sync’s sign-in.',
      whatToDo: 'Press Reconnect in the card Cloud Sync sent you, or type "enable sync", and sign in again.',
    };
  }
  if (facts.state !== 'active') return { kind: 'abandoned' };
  const wanted = facts.expected.filter((r) => facts.enabled[kindOf(r)]);
  const latest = new Map(facts.runs.map((r) => [r.resource, r]));
  const failed = wanted.map((r) => latest.get(r)).find((r) => r?.status === 'failed');
  const progress = progressOf(facts);
  if (failed) {
    return {
      kind: 'failing',
      progress,
      reason: errorReasonText(failed.errorCode, failed.errorMessage),
      whatToDo:
        'Nothing to do for now: Cloud Sync tries again by itself. If this card still says so in an hour, open Sync health and press Sync now, or tell your IT team what it says.',
    };
  }
  if (wanted.every((r) => latest.get(r)?.status === 'succeeded')) {
    const leftOut = Object.entries(facts.skipped)
      .filter(([, count]) => count > 0)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([reason, count]) => ({ reason, text: skipReasonText(reason), count }));
    return { kind: 'finished', progress, leftOut };
  }
  return wanted.some((r) => latest.has(r)) ? { kind: 'running', progress } : { kind: 'not_started' };
}

/** The confirmation e-mail goes once the import has started without error. */
export function startedWithoutError(phase: ImportPhase): boolean {
  return phase.kind === 'running' || phase.kind === 'finished';
}

function progressOf(facts: ImportFacts): KindProgress[] {
  return (['mail', 'diary'] as const)
    .filter((kind) => facts.enabled[kind])
    .map((kind) => {
      const runs = facts.runs.filter((r) => kindOf(r.resource) === kind);
      const estimates = runs.map((r) => r.progressEstimate);
      return {
        resource: kind,
        copied: facts.copied[kind],
        examined: runs.reduce((n, r) => n + r.progressDone, 0),
        estimate:
          runs.length > 0 && estimates.every((e) => e !== null)
            ? estimates.reduce<number>((n, e) => n + (e ?? 0), 0)
            : null,
      };
    });
}
