import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { mailBaselineScope } from './core/baseline.js';
import { nextMailRequest, type DeltaCursor } from './core/delta-cursor.js';
import { deltaMessageSchema } from './core/graph-items.js';
import { reconcileMailPage } from './core/mail-reconcile.js';
import type { SyncResource } from './core/store-ops.js';
import type { RoundSpec } from './delta-round.js';
import type { SyncDatabase } from './sync-tables.js';

/**
 * A mail folder's round: per-folder `messages/delta` with the core's $select, $expand, history filter
 * and Prefer headers (page size, immutable ids), reconciled by the core's mail rules.
 */

export interface MailRoundOptions {
  db: Kysely<SyncDatabase>;
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

const folderSchema = z.object({ totalItemCount: z.number().int().min(0) });

export function mailRound(options: MailRoundOptions): RoundSpec<z.infer<typeof deltaMessageSchema>> {
  const resource = mailResource(options.folder);
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
        historyDays: options.historyDays,
        now: options.now(),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      }),
    reconcile: (page, filing) => reconcileMailPage(page, { ...filing, folder: options.folder }),
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
