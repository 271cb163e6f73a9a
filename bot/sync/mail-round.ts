import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import { z } from 'zod/v4';
import { mailBaselineScope } from './core/baseline.js';
import { nextMailRequest, type DeltaCursor } from './core/delta-cursor.js';
import { deltaMessageSchema, type DeltaMessage } from './core/graph-items.js';
import { graphTimestampToIso } from './core/graph-time.js';
import { reconcileMailPage } from './core/mail-reconcile.js';
import type { SyncResource } from './core/store-ops.js';
import type { RoundSpec } from './delta-round.js';
import { withSensitivity } from './sensitivity-lookup.js';
import type { Database } from '../store/schema.js';

/**
 * A mail folder's round: per-folder `messages/delta` with the core's $select, $expand and Prefer
 * headers (page size, immutable ids), reconciled by the core's mail rules within the history window.
 *
 * Sensitivity fails closed: reports show Graph answering a delta request that expands an extended
 * property with an error (HTTP 500 or 400), or without the property. A refused initial request is sent
 * again without the $expand, and every in-window message that arrives without the property has it read
 * by a follow-up GET (sensitivity-lookup.ts) before it can be filed.
 */

export interface MailRoundOptions {
  db: Kysely<Database>;
  client: Client;
  graphBaseUrl: string;
  accountId: string;
  folder: string;
  cursor: DeltaCursor | null;
  historyDays: number;
  pageSize?: number;
  now(): number;
}

export function mailResource(folder: string): SyncResource {
  return `mail:${folder}`;
}

const DAY_MS = 86_400_000;

const folderSchema = z.object({ totalItemCount: z.number().int().min(0) });

/** Statuses reported for a delta request whose $expand Graph would not serve. */
const EXPAND_REFUSED = new Set([400, 500, 501]);

export function mailRound(options: MailRoundOptions): RoundSpec<DeltaMessage> {
  const resource = mailResource(options.folder);
  let expandSensitivity = true;
  // Fixed for the round, so every page judges the window alike.
  const receivedFrom = new Date(options.now() - options.historyDays * DAY_MS).toISOString();
  const inWindow = (m: DeltaMessage) => {
    const received = graphTimestampToIso(m.receivedDateTime);
    return received === null || received >= receivedFrom;
  };
  return {
    resource,
    itemSchema: deltaMessageSchema,
    window: null,
    cursor: options.cursor,
    baselineScope: () => mailBaselineScope(options.folder, options.now(), options.historyDays),
    request: (cursor) =>
      nextMailRequest(cursor, {
        graphBaseUrl: options.graphBaseUrl,
        folder: options.folder,
        expandSensitivity,
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      }),
    initialRequestRefused(failure) {
      if (!expandSensitivity || !EXPAND_REFUSED.has(failure.status)) return false;
      expandSensitivity = false;
      return true;
    },
    complete: (page) => withSensitivity(options.client, page, inWindow),
    reconcile: (page, filing) => reconcileMailPage(page, { ...filing, folder: options.folder, receivedFrom }),
    async importProgress() {
      // The folder's size bounds the import (the history window may make it smaller): one request.
      // An estimate is a nicety: if Graph cannot answer it now, the import runs without one.
      const folder = folderSchema.safeParse(
        await options.client
          .api(`/me/mailFolders/${encodeURIComponent(options.folder)}`)
          .select('totalItemCount')
          .get()
          .catch(() => null),
      );
      const [owners, skips] = await Promise.all([
        options.db
          .selectFrom('mail_item_owners')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', options.accountId)
          .where('folder', '=', options.folder)
          .executeTakeFirstOrThrow(),
        options.db
          .selectFrom('sync_skips')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', options.accountId)
          .where('resource', '=', resource)
          .executeTakeFirstOrThrow(),
      ]);
      return {
        done: Number(owners.n) + Number(skips.n),
        estimate: folder.success ? folder.data.totalItemCount : null,
      };
    },
  };
}
