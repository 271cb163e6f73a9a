import type { DiaryRole, MailDirection } from './filing.js';
import type { SkipReason } from './filters.js';

/**
 * The writes a reconciled delta page asks of the store. The I/O layer executes one page's ops and
 * the page's cursor in one transaction. Every op is idempotent by its key, and content writes carry
 * a `version` so that the newest copy wins whatever order pages or replays arrive in:
 *
 * - `version` strings compare as plain strings (ISO timestamps first, so string order is time order);
 *   an upsert changes an existing row only when its version is strictly greater than the stored one.
 *   Equal versions are replays and change nothing.
 * - Links (`*_contact.link`) are add-only: the CRM is the record, a contact once linked stays linked.
 * - Nothing here deletes a CRM record. Outlook deletions and moves only mark the owner link.
 */

/** `mail:<folder>` (e.g. `mail:inbox`) or `diary`, as in `sync_skips.resource` and `sync_cursors.resource`. */
export type SyncResource = `mail:${string}` | 'diary';

export interface MailItemFields {
  subject: string | null;
  sentAt: string | null;
  fromAddress: string | null;
  toAddresses: string[];
  ccAddresses: string[];
  sensitivity: string | null;
}

export interface DiaryAttendee {
  address: string;
  name?: string;
  type?: string;
  response?: string;
}

export interface DiaryItemFields {
  subject: string | null;
  startAt: string;
  endAt: string;
  isAllDay: boolean;
  location: string | null;
  isCancelled: boolean;
  organizer: string | null;
  attendees: DiaryAttendee[];
  seriesMasterId: string | null;
  sensitivity: string | null;
}

/** One CRM e-mail per tenant and internetMessageId. */
export interface MailItemKey {
  tenantId: string;
  internetMessageId: string;
}

/** One diary entry per tenant, iCalUId and occurrence start (the original start for moved occurrences). */
export interface DiaryItemKey {
  tenantId: string;
  iCalUId: string;
  occurrenceStart: string;
}

export type StoreOp =
  | ({ kind: 'mail_item.upsert'; version: string; fields: MailItemFields } & MailItemKey)
  | ({
      kind: 'mail_item_owner.upsert';
      /** Keyed by (accountId, graphMessageId): immutable ids survive moves inside the mailbox. */
      accountId: string;
      graphMessageId: string;
      folder: string;
      direction: MailDirection;
      version: string;
    } & MailItemKey)
  | {
      /**
       * The message left `folder` (deleted, or moved to a folder that is not synced). Applies only
       * while the owner row still says `folder`: if another folder's delta already reported the
       * message's arrival there, this is a no-op. A later upsert with a newer version revives it.
       */
      kind: 'mail_item_owner.left_folder';
      accountId: string;
      graphMessageId: string;
      folder: string;
    }
  | ({ kind: 'mail_item_contact.link'; contactId: string } & MailItemKey)
  | ({ kind: 'diary_item.upsert'; version: string; fields: DiaryItemFields } & DiaryItemKey)
  | ({
      kind: 'diary_item_owner.upsert';
      accountId: string;
      graphEventId: string;
      role: DiaryRole;
      version: string;
    } & DiaryItemKey)
  | {
      /**
       * The occurrence was deleted from this account's calendar (or left its calendar view). The owner
       * row is marked removed; a diary entry whose every owner is removed counts as deleted. Applies
       * only while the stored entry overlaps `window`: Graph also reports events that changed outside
       * the window as removed ("event: delta"), and an entry that slid out of it is still in Outlook.
       */
      kind: 'diary_item_owner.removed';
      accountId: string;
      graphEventId: string;
      window: { start: string; end: string };
    }
  | {
      /**
       * A series as it now stands in this account's calendar view: of this account's owner links to
       * the series' entries (keyed by the series' iCalUId) overlapping `window`, those whose Graph id
       * is not in `graphEventIds` are marked removed. Cancelled occurrences are found this way, since
       * Graph may not report them as removed.
       */
      kind: 'diary_series.retain';
      tenantId: string;
      accountId: string;
      iCalUId: string;
      graphEventIds: string[];
      window: { start: string; end: string };
    }
  | ({ kind: 'diary_item_contact.link'; contactId: string } & DiaryItemKey)
  | {
      kind: 'sync_skip.record';
      accountId: string;
      resource: SyncResource;
      graphId: string;
      reason: SkipReason;
      /** Body-free: the reason's detail, the author and date; no subject. */
      summary: string;
    }
  | {
      /** The item is filed now; any earlier skip of it no longer applies. */
      kind: 'sync_skip.clear';
      accountId: string;
      resource: SyncResource;
      graphId: string;
    };

export interface PageCounts {
  filed: number;
  removed: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Entries without a usable id: reported, not stored. */
  rejected: number;
}

/** What reconciling one page asks of the store, and what it counted for the run record. */
export interface ReconciledPage {
  ops: StoreOp[];
  counts: PageCounts;
}

/** A page being reconciled: its ops and counts, and a skip that records its reason and counts it. */
export interface PageBuilder extends ReconciledPage {
  skip(graphId: string, reason: SkipReason, summary: string): void;
}

export function startPage(accountId: string, resource: SyncResource, rejected: number): PageBuilder {
  const ops: StoreOp[] = [];
  const counts: PageCounts = { filed: 0, removed: 0, skipped: {}, rejected };
  return {
    ops,
    counts,
    skip(graphId, reason, summary) {
      ops.push({ kind: 'sync_skip.record', accountId, resource, graphId, reason, summary });
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
    },
  };
}
