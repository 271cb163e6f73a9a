import { z } from 'zod';
import { graphError, type EmuResponse } from '../http.js';
import { prng } from './generator.js';
import { throttled } from './throttle.js';

/**
 * Faults injected on demand per mailbox (control API): throttling and outages at a rate, a forced 410
 * for the next state tokens, latency, and replayed items and empty pages in delta rounds.
 */
export const faultSettingsSchema = z
  .object({
    throttleRate: z.number().min(0).max(1).default(0),
    throttleRetryAfterSeconds: z.number().int().min(0).max(300).default(1),
    unavailableRate: z.number().min(0).max(1).default(0),
    unavailableRetryAfterSeconds: z.number().int().min(0).max(300).default(1),
    /** The next N requests that carry a $skiptoken or $deltatoken answer syncStateNotFound. */
    syncStateGone: z.number().int().min(0).max(1000).default(0),
    /**
     * The status of that answer: "a 40X-series error with error codes such as syncStateNotFound" for an
     * expired Outlook delta token (Microsoft Graph docs, "Use delta query", Token duration), or 410.
     */
    syncStateGoneStatus: z.union([z.literal(400), z.literal(404), z.literal(410)]).default(410),
    /**
     * Limits `syncStateGone` to one mail folder's delta (a well-known name or folder id): Outlook delta
     * is "a per-folder operation" ("Get incremental changes to messages in a folder"), so one folder's
     * sync state can go while the others' stay.
     */
    syncStateGoneFolder: z.string().min(1).optional(),
    /**
     * How a messages delta request answers `$expand=singleValueExtendedProperties(...)`: `served`;
     * `refused` with HTTP 500 "Value cannot be null. Parameter name: type", as reported for delta with
     * $expand (microsoftgraph/microsoft-graph-docs-contrib issues 8029 and 7929); or `dropped`, items
     * without the property, as delta items were reported to arrive without requested properties
     * (microsoftgraph/msgraph-sdk-dotnet-core issue 40). A GET of one message still serves it.
     */
    deltaExpand: z.enum(['served', 'refused', 'dropped']).default('served'),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    perItemLatencyMs: z.number().min(0).max(1000).default(0),
    /** Every delta page that has a next page starts the next one this many items back. */
    replayItems: z.number().int().min(0).max(1000).default(0),
    /** The next N delta pages come back empty, with a nextLink to the same place. */
    emptyPages: z.number().int().min(0).max(1000).default(0),
    /** Seed for the rate decisions, so a run is repeatable. */
    seed: z.number().int().default(1),
  })
  .strict();
export type FaultSettings = z.output<typeof faultSettingsSchema>;

export const NO_FAULTS: FaultSettings = faultSettingsSchema.parse({});

interface MailboxFaults {
  settings: FaultSettings;
  random: () => number;
}

export class Faults {
  private readonly mailboxes = new Map<string, MailboxFaults>();

  get(userId: string): FaultSettings {
    return this.mailboxes.get(userId.toLowerCase())?.settings ?? NO_FAULTS;
  }

  set(userId: string, settings: FaultSettings): void {
    this.mailboxes.set(userId.toLowerCase(), { settings: { ...settings }, random: prng(settings.seed) });
  }

  clear(userId: string): void {
    this.mailboxes.delete(userId.toLowerCase());
  }

  reset(): void {
    this.mailboxes.clear();
  }

  /** A 429 or 503 for this request, when the configured rates say so. */
  failure(userId: string): EmuResponse | undefined {
    const entry = this.mailboxes.get(userId.toLowerCase());
    if (!entry) return undefined;
    const { settings } = entry;
    if (settings.throttleRate > 0 && entry.random() < settings.throttleRate) {
      return throttled(
        'Application is over its MailboxConcurrency limit.',
        settings.throttleRetryAfterSeconds,
      );
    }
    if (settings.unavailableRate > 0 && entry.random() < settings.unavailableRate) {
      return graphError(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. Try again later.',
        {
          'retry-after': String(settings.unavailableRetryAfterSeconds),
        },
      );
    }
    return undefined;
  }

  /**
   * Uses up one forced lost sync state, if any is left and it applies here: `isFolder` tells whether a
   * folder named in `syncStateGoneFolder` is the one asked for (absent for the calendar view).
   */
  takeSyncStateGone(userId: string, isFolder?: (named: string) => boolean): boolean {
    const only = this.get(userId).syncStateGoneFolder;
    if (only !== undefined && isFolder?.(only) !== true) return false;
    return this.take(userId, 'syncStateGone');
  }

  takeEmptyPage(userId: string): boolean {
    return this.take(userId, 'emptyPages');
  }

  private take(userId: string, key: 'syncStateGone' | 'emptyPages'): boolean {
    const entry = this.mailboxes.get(userId.toLowerCase());
    if (!entry || entry.settings[key] <= 0) return false;
    entry.settings[key]--;
    return true;
  }
}

export function syncStateNotFound(status = 410): EmuResponse {
  return graphError(
    status,
    'SyncStateNotFound',
    'The sync state generation is not found. Restart the synchronization with an initial delta request.',
  );
}
