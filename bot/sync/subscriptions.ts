import type { Client } from '@microsoft/microsoft-graph-client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { toIso } from '../store/columns.js';
import { hashClientState, newClientState } from './client-state.js';
import {
  DEFAULT_NOTIFICATION_HEALTH,
  needsReauthorization,
  type NotificationHealthSettings,
  type SubscriptionHealth,
} from './core/notification-health.js';
import type { SyncResource } from './core/store-ops.js';
import { graphFailure } from './graph-client.js';
import type { Database } from '../store/schema.js';

/**
 * Keeps one Graph change-notification subscription per synced resource of an account (the messages of
 * each synced folder, and events), run by the worker while it holds the account's lease and token:
 *
 * - missing (new account, or forgotten after a subscriptionRemoved lifecycle event) → created, with a
 *   fresh random clientState whose hash is stored;
 * - expiring within `renewBeforeMs`, marked by a reauthorizationRequired event, or silent with an old
 *   authorization (core/notification-health.ts) → renewed by PATCH, which also reauthorizes it, with
 *   a freshly acquired token so that the authorization lasts as long as a token can; a subscription
 *   Graph no longer knows (404) is recreated;
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
  /** Defaults to DEFAULT_NOTIFICATION_HEALTH. */
  health?: NotificationHealthSettings;
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
  /** Called once before the first reauthorizing renewal, to get a token with its full lifetime. */
  freshToken: () => void = () => {},
): Promise<SubscriptionReport> {
  const health = settings.health ?? DEFAULT_NOTIFICATION_HEALTH;
  let refreshed = false;
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
    } else {
      const expiring = Date.parse(row.expires_at) - now() < settings.renewBeforeMs;
      const reauthorize = needsReauthorization(
        { ...subscriptionHealth(row), reauthorizeRequested: row.reauthorize_requested === 1 },
        now(),
        health,
      );
      if (!expiring && !reauthorize) continue;
      if (reauthorize && !refreshed) {
        refreshed = true;
        freshToken();
      }
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

type SubscriptionRow = Pick<
  Database['graph_subscriptions'],
  'resource' | 'expires_at' | 'authorized_at' | 'created_at' | 'last_heard_at'
>;

export function subscriptionHealth(row: SubscriptionRow): SubscriptionHealth {
  const createdAt = Date.parse(row.created_at);
  return {
    resource: row.resource,
    expiresAt: Date.parse(row.expires_at),
    authorizedAt: row.authorized_at === null ? createdAt : Date.parse(row.authorized_at),
    createdAt,
    lastHeardAt: row.last_heard_at === null ? null : Date.parse(row.last_heard_at),
  };
}

/** The account's subscriptions as the scheduling logic sees them. */
export async function loadSubscriptionHealth(
  db: Kysely<Database>,
  accountId: string,
): Promise<SubscriptionHealth[]> {
  const rows = await db
    .selectFrom('graph_subscriptions')
    .select(['resource', 'expires_at', 'authorized_at', 'created_at', 'last_heard_at'])
    .where('account_id', '=', accountId)
    .execute();
  return rows.map(subscriptionHealth);
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
      authorized_at: at,
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
    .set({
      expires_at: toIso(Date.parse(answer.expirationDateTime)),
      authorized_at: toIso(now()),
      reauthorize_requested: 0,
      updated_at: toIso(now()),
    })
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
