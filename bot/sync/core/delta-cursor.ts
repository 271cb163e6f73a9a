import type { CalendarWindow } from './calendar-window.js';
import { MESSAGE_EXPAND, MESSAGE_SELECT } from './graph-items.js';

/**
 * Where a delta round stands and what to request next. The cursor stored with each page is the link
 * to follow: a nextLink while the round is under way, the deltaLink once it is complete (the next
 * round starts from it). No cursor means the initial request of a new round.
 *
 * Links come from Graph's responses, so they are checked before being stored: a link to another host
 * would carry the mailbox's token there.
 */

export interface DeltaCursor {
  link: string;
  roundComplete: boolean;
}

export interface DeltaRequest {
  url: string;
  headers: Record<string, string>;
}

export class DeltaCursorError extends Error {
  override name = 'DeltaCursorError';
}

/** Graph's page size is a preference it may lower; large pages keep an import to few requests. */
export const DEFAULT_PAGE_SIZE = 1000;

export function cursorAfterPage(
  page: { nextLink: string | null; deltaLink: string | null },
  graphBaseUrl: string,
): DeltaCursor {
  const link = page.nextLink ?? page.deltaLink;
  if (link === null) throw new DeltaCursorError('delta page has neither nextLink nor deltaLink');
  assertGraphLink(link, graphBaseUrl);
  return { link, roundComplete: page.nextLink === null };
}

export interface MailRequestOptions {
  graphBaseUrl: string;
  /** A well-known folder name (`inbox`, `sentitems`) or folder id. */
  folder: string;
  /**
   * Ask for PidTagSensitivity with the page. Off for a round Graph refused it in: the worker then reads
   * it per message (sensitivity-lookup.ts) rather than file mail of unknown sensitivity.
   */
  expandSensitivity: boolean;
  pageSize?: number;
}

/**
 * The initial request lists the WHOLE folder: no `$filter`. Graph documents that a filtered messages
 * delta "returns only up to 5,000 messages" (Get incremental changes to messages in a folder), and
 * does not say which 5,000, so a `receivedDateTime ge` filter would leave a busy mailbox's import short
 * and make a re-baseline's sweep detach mail that is still there. An unfiltered round costs one request
 * per page of older mail too (1,000 messages a page with headers only), and its changes are tracked
 * without a cap; the history window is applied by the reconciliation (mail-reconcile.ts). The
 * alternative, a capped delta plus a filtered `messages` listing for the rest, is cheaper for old
 * mailboxes but leaves the listed-only messages' later changes and deletions to a guess about what a
 * capped deltaLink tracks, which Graph does not document.
 */
export function nextMailRequest(cursor: DeltaCursor | null, options: MailRequestOptions): DeltaRequest {
  const headers = { Prefer: prefer(options.pageSize) };
  if (cursor !== null) return { url: cursor.link, headers };
  const query = [
    `$select=${MESSAGE_SELECT.join(',')}`,
    ...(options.expandSensitivity ? [`$expand=${encodeURIComponent(MESSAGE_EXPAND)}`] : []),
  ].join('&');
  const folder = encodeURIComponent(options.folder);
  return { url: `${base(options.graphBaseUrl)}/me/mailFolders/${folder}/messages/delta?${query}`, headers };
}

export interface DiaryRequestOptions {
  graphBaseUrl: string;
  window: CalendarWindow;
  pageSize?: number;
}

export function nextDiaryRequest(cursor: DeltaCursor | null, options: DiaryRequestOptions): DeltaRequest {
  // The diary reads start/end as UTC; without this Graph answers in the event's own zone.
  const headers = { Prefer: `${prefer(options.pageSize)}, outlook.timezone="UTC"` };
  if (cursor !== null) return { url: cursor.link, headers };
  const query = `startDateTime=${encodeURIComponent(options.window.start)}&endDateTime=${encodeURIComponent(options.window.end)}`;
  return { url: `${base(options.graphBaseUrl)}/me/calendarView/delta?${query}`, headers };
}

export type FailurePlan = { action: 'rebaseline'; cursor: null } | { action: 'keep-cursor' };

const RESYNC_CODES = new Set(['syncstatenotfound', 'syncstateinvalid', 'resyncrequired']);

/**
 * A 410 Gone, or an error code saying the sync state is gone, means the cursor can never be used
 * again: restart from the initial request. CRM records are kept; the baseline's upserts find them
 * and change nothing, so a re-baseline neither loses nor duplicates. Any other failure keeps the
 * cursor so the page is retried.
 */
export function planAfterFailure(status: number, errorCode: string | null | undefined): FailurePlan {
  const code = errorCode?.toLowerCase() ?? '';
  return status === 410 || RESYNC_CODES.has(code)
    ? { action: 'rebaseline', cursor: null }
    : { action: 'keep-cursor' };
}

function prefer(pageSize = DEFAULT_PAGE_SIZE): string {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new DeltaCursorError('page size must be a positive integer');
  // Immutable ids survive moves between folders, which is what keys an owner link across moves.
  return `odata.maxpagesize=${pageSize}, IdType="ImmutableId"`;
}

function base(graphBaseUrl: string): string {
  return graphBaseUrl.replace(/\/+$/, '');
}

function assertGraphLink(link: string, graphBaseUrl: string): void {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new DeltaCursorError('delta link is not an absolute URL');
  }
  const expected = new URL(base(graphBaseUrl));
  const prefix = `${expected.pathname.replace(/\/+$/, '')}/`;
  if (url.protocol !== 'https:' || url.origin !== expected.origin || !url.pathname.startsWith(prefix)) {
    throw new DeltaCursorError(`delta link points outside ${expected.origin}${expected.pathname}`);
  }
}
