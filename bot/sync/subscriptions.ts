import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { toIso } from '../store/columns.js';
import { hashClientState, newClientState } from './client-state.js';
import type { SyncResource } from './core/store-ops.js';
import { graphFailure } from './graph-client.js';
import type { Database } from '../store/schema.js';

/**
 * Keeps one Graph change-notification subscription per synced resource of an account (the messages of
 * each synced folder, and events), run by the worker while it holds the account's lease and token:
 *
 * - missing (new account, or forgotten after a subscriptionRemoved lifecycle event) → created, with a
 *   fresh random clientState whose hash is stored;
 * - expiring within `renewBeforeMs` (or marked due by a reauthorizationRequired event) → renewed by
 *   PATCH; a subscription Graph no longer knows (404) is recreated;
 * - for a resource no longer synced → deleted.
 *
 * Notifications only make the account due; polling still runs, so a failure here is reported and
 * retried on the next run rather than failing the sync.
 */

export interface SubscriptionSettings {
  /** `${PUBLIC_URL}/api/notifications` */
  notificationUrl: string;
  /** `${PUBLIC_URL}/api/notifications/lifecycle` */
  lifecycleNotificationUrl: string;
  lifetimeMs: number;
  renewBeforeMs: number;
}

export const DEFAULT_SUBSCRIPTION_TIMING = {
  // Outlook resources allow up to 7 days; 3 days leaves room for several renewal attempts.
  lifetimeMs: 3 * 86_400_000,
  renewBeforeMs: 86_400_000,
};

export interface SubscriptionReport {
  created: number;
  renewed: number;
  deleted: number;
  failures: string[];
}

const createdSchema = z.object({ id: z.string().min(1), expirationDateTime: z.string().min(1) });

export function subscriptionResource(resource: SyncResource): string {
  if (resource === 'diary') return 'me/events';
  const folder = resource.slice('mail:'.length);
  return `me/mailFolders('${folder.replace(/'/g, "''")}')/messages`;
}

export async function ensureSubscriptions(
  db: Kysely<Database>,
  client: Client,
  accountId: string,
  wanted: readonly SyncResource[],
  settings: SubscriptionSettings,
  now: () => number,
): Promise<SubscriptionReport> {
  const report: SubscriptionReport = { created: 0, renewed: 0, deleted: 0, failures: [] };
  const rows = await db
    .selectFrom('graph_subscriptions')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('expires_at', 'desc')
    .execute();
  const kept = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    if ((wanted as readonly string[]).includes(row.resource) && !kept.has(row.resource))
      kept.set(row.resource, row);
    else
      await attempt(report, `delete ${row.resource}`, () =>
        remove(db, client, row.id).then(() => void report.deleted++),
      );
  }
  for (const resource of wanted) {
    const row = kept.get(resource);
    if (!row) {
      await attempt(report, `create ${resource}`, () =>
        create(db, client, accountId, resource, settings, now).then(() => void report.created++),
      );
    } else if (Date.parse(row.expires_at) - now() < settings.renewBeforeMs) {
      await attempt(report, `renew ${resource}`, async () => {
        if (await renew(db, client, row.id, settings, now)) report.renewed++;
        else {
          await create(db, client, accountId, resource, settings, now);
          report.created++;
        }
      });
    }
  }
  return report;
}

async function create(
  db: Kysely<Database>,
  client: Client,
  accountId: string,
  resource: SyncResource,
  settings: SubscriptionSettings,
  now: () => number,
): Promise<void> {
  const clientState = newClientState();
  const answer = createdSchema.parse(
    await client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: settings.notificationUrl,
      lifecycleNotificationUrl: settings.lifecycleNotificationUrl,
      resource: subscriptionResource(resource),
      expirationDateTime: toIso(now() + settings.lifetimeMs),
      clientState,
    }),
  );
  const at = toIso(now());
  await db
    .insertInto('graph_subscriptions')
    .values({
      id: answer.id,
      account_id: accountId,
      resource,
      client_state_hash: hashClientState(clientState),
      expires_at: toIso(Date.parse(answer.expirationDateTime)),
      created_at: at,
      updated_at: at,
    })
    .execute();
}

/** False when Graph no longer has the subscription (its row is then removed). */
async function renew(
  db: Kysely<Database>,
  client: Client,
  id: string,
  settings: SubscriptionSettings,
  now: () => number,
): Promise<boolean> {
  let answer: z.infer<typeof createdSchema>;
  try {
    answer = createdSchema.parse(
      await client
        .api(`/subscriptions/${id}`)
        .patch({ expirationDateTime: toIso(now() + settings.lifetimeMs) }),
    );
  } catch (err) {
    if (graphFailure(err)?.status !== 404) throw err;
    await db.deleteFrom('graph_subscriptions').where('id', '=', id).execute();
    return false;
  }
  await db
    .updateTable('graph_subscriptions')
    .set({ expires_at: toIso(Date.parse(answer.expirationDateTime)), updated_at: toIso(now()) })
    .where('id', '=', id)
    .execute();
  return true;
}

async function remove(db: Kysely<Database>, client: Client, id: string): Promise<void> {
  try {
    await client.api(`/subscriptions/${id}`).delete();
  } catch (err) {
    if (graphFailure(err)?.status !== 404) throw err;
  }
  await db.deleteFrom('graph_subscriptions').where('id', '=', id).execute();
}

async function attempt(report: SubscriptionReport, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const failure = graphFailure(err);
    report.failures.push(
      `${what}: ${failure ? `HTTP ${failure.status} ${failure.code ?? ''}`.trim() : err instanceof Error ? err.name : 'error'}`,
    );
  }
}
