import { messageParticipants } from './filing.js';
import { type FilingContext, decideMessage } from './filters.js';
import type { DeltaPage } from './delta-page.js';
import { type DeltaMessage, messageSensitivity } from './graph-items.js';
import { graphTimestampToIso } from './graph-time.js';
import { recipientAddress } from './addresses.js';
import { latestEntryPerId } from './page-entries.js';
import { type ReconciledPage, type SyncResource, startPage } from './store-ops.js';

/**
 * One mail folder's delta page → store ops (see store-ops.ts for how the store applies them).
 *
 * - A filed message upserts the tenant's single CRM e-mail for its internetMessageId, makes this
 *   account an owner (graph id, folder, direction) and links its contacts; two recruiters on one
 *   thread therefore give one e-mail with two owners.
 * - Updates: the CRM keeps headers only (subject, sent time, from/to/cc, sensitivity); the newest
 *   copy's headers win by lastModifiedDateTime. Read state, flags and categories are Outlook's own and
 *   are not synced, so such updates only rewrite identical headers.
 * - `@removed` (deleted, or moved to an unsynced folder such as Deleted Items; Graph does not say
 *   which) marks the owner link as having left this folder. The CRM e-mail stays: the CRM is the
 *   record. A move between synced folders is an arrival in the other folder, which wins by version.
 * - A message that is skipped after having been filed (e.g. marked private later) keeps its CRM
 *   e-mail; the skip is recorded so the health view shows it.
 * - Mail received before the history window is passed over without a trace: the folder's delta lists
 *   every message (delta-cursor.ts says why it is not filtered), and an old mailbox would otherwise
 *   fill the skip list with every message it ever had. A link filed earlier stays as it is.
 */

export interface MailPageContext extends FilingContext {
  tenantId: string;
  accountId: string;
  /** The well-known name or id used in the delta request, e.g. `inbox`. */
  folder: string;
  /** The history window's start (ISO): mail received earlier is not filed. */
  receivedFrom: string;
}

export function reconcileMailPage(page: DeltaPage<DeltaMessage>, ctx: MailPageContext): ReconciledPage {
  const resource: SyncResource = `mail:${ctx.folder}`;
  const { accountId, tenantId } = ctx;
  const { ops, counts, skip: recordSkip } = startPage(accountId, resource, page.rejected.length);

  for (const entry of latestEntryPerId(
    page.entries,
    (m) => graphTimestampToIso(m.lastModifiedDateTime) ?? '',
  )) {
    if (entry.kind === 'removed') {
      ops.push({
        kind: 'mail_item_owner.left_folder',
        accountId,
        graphMessageId: entry.id,
        folder: ctx.folder,
      });
      counts.removed += 1;
      continue;
    }
    if (entry.kind === 'invalid') {
      recordSkip(entry.id, 'invalid', entry.problem);
      continue;
    }
    const message = entry.item;
    const received = graphTimestampToIso(message.receivedDateTime);
    if (received !== null && received < ctx.receivedFrom) continue;
    const version = graphTimestampToIso(message.lastModifiedDateTime);
    const author = messageParticipants(message).author;
    const sentAt = graphTimestampToIso(message.sentDateTime);
    const when = (message.sentDateTime == null ? received : sentAt) ?? 'unknown date';
    if (version === null) {
      recordSkip(
        message.id,
        'invalid',
        `no valid lastModifiedDateTime; from ${author ?? 'unknown'}; ${when}`,
      );
      continue;
    }
    const decision = decideMessage(message, ctx);
    if (decision.action === 'skip') {
      recordSkip(message.id, decision.reason, `${decision.detail}; from ${author ?? 'unknown'}; ${when}`);
      continue;
    }
    const key = { tenantId, internetMessageId: (message.internetMessageId ?? '').trim() };
    ops.push({
      kind: 'mail_item.upsert',
      ...key,
      // Account and graph id break ties between owners' copies modified in the same millisecond.
      version: `${version}|${accountId}|${message.id}`,
      fields: {
        subject: message.subject ?? null,
        sentAt,
        fromAddress: author,
        toAddresses: addresses(message.toRecipients),
        ccAddresses: addresses(message.ccRecipients),
        // Known here: decideMessage skips a message whose sensitivity is unknown.
        sensitivity: messageSensitivity(message) ?? 'confidential',
      },
    });
    ops.push({
      kind: 'mail_item_owner.upsert',
      ...key,
      accountId,
      graphMessageId: message.id,
      folder: ctx.folder,
      direction: decision.direction,
      version,
    });
    for (const contactId of decision.contacts)
      ops.push({ kind: 'mail_item_contact.link', ...key, contactId });
    ops.push({ kind: 'sync_skip.clear', accountId, resource, graphId: message.id });
    counts.filed += 1;
  }
  return { ops, counts };
}

function addresses(recipients: DeltaMessage['toRecipients']): string[] {
  const seen = new Set<string>();
  for (const recipient of recipients ?? []) {
    const address = recipientAddress(recipient);
    if (address) seen.add(address);
  }
  return [...seen];
}
