import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import {
  createNotificationBudget,
  DEFAULT_NOTIFICATION_LIMITS,
  type NotificationBudget,
} from './notification-budget.js';
import { toIso } from '../store/columns.js';
import { clientStateMatches } from './client-state.js';
import { createNotificationQueue, type QueuedBody } from './notification-queue.js';
import {
  answersChallenge,
  DEFAULT_NOTIFICATION_HEALTH,
  type NotificationHealthSettings,
} from './core/notification-health.js';
import type { SyncRequester } from './sync-requests.js';
import type { Database } from '../store/schema.js';
import type { Kysely } from 'kysely';

/**
 * Graph change and lifecycle notifications:
 *
 *   POST /api/notifications            change notifications (messages of a synced folder, events)
 *   POST /api/notifications/lifecycle  reauthorizationRequired, subscriptionRemoved, missed
 *
 * Either answers Graph's validation handshake (`?validationToken=` → 200 text/plain echo). A body
 * that is not a notification collection is refused with 400 and changes nothing. Otherwise the body
 * is queued and answered 202 straight away (Graph wants an answer within seconds, retries slow
 * endpoints and recommends queueing), and the queue's loop handles what has gathered in batches
 * (notification-queue.ts): each item's clientState must match the hash stored for its subscription,
 * or the item is ignored and counted. A genuine item records that Graph reached us for that
 * subscription (the account's notifications are live while it keeps doing so). A change marks its
 * subscription's resource and wakes the account (coalesced, see sync-requests.ts) to read that
 * resource; `missed` or `subscriptionRemoved` asks for a read of the whole mailbox. The delta round
 * that follows finds what changed, so a forged or replayed notification can at worst cause a
 * harmless extra round. A reauthorizationRequired only asks for the subscription's renewal, and only
 * once its authorization is old enough to be worth a request (core/notification-health.ts).
 *
 * Work per request is bounded: bodies larger than MAX_BODY_BYTES are refused with 413 (by their
 * Content-Length before reading, or as soon as the stream passes it); requests over the
 * concurrency (bodies being read) or rate budget get 503/429 with Retry-After, which Graph honours
 * when it retries (notification-budget.ts), and so does a body that does not fit the queue. Change
 * and lifecycle notifications have budgets and queues of their own, so a flood of changes never
 * crowds out the `missed` event that asks for a catch-up read. Unknown subscriptions cost one indexed
 * lookup per batch and are only counted, never logged item by item.
 */

export interface NotificationCounters {
  accepted: number;
  /** Unknown subscription, clientState mismatch, or an account that no longer syncs. */
  rejected: number;
  lifecycle: number;
  badRequests: number;
  /** Refused with 413, 429 or 503 before any work. */
  overBudget: number;
}

export interface NotificationRoutes {
  counters: NotificationCounters;
  /** Resolves once every body accepted so far has been handled (shutdown: before the worker stops). */
  drained(): Promise<void>;
}

export interface NotificationRouteDeps {
  db: Kysely<Database>;
  logger: Logger;
  requests: SyncRequester;
  counters?: NotificationCounters;
  /** Called once per accepted body when its items have been handled (tests wait on it). */
  onHandled?: () => void;
  now?: () => number;
  /** Change notifications' budget; defaults to DEFAULT_NOTIFICATION_LIMITS on the given clock. */
  budget?: NotificationBudget;
  /** Lifecycle notifications' budget, likewise. */
  lifecycleBudget?: NotificationBudget;
  /** Items waiting to be handled at most, per route (DEFAULT_MAX_QUEUED_ITEMS). */
  maxQueuedItems?: number;
  health?: NotificationHealthSettings;
}

export function newNotificationCounters(): NotificationCounters {
  return { accepted: 0, rejected: 0, lifecycle: 0, badRequests: 0, overBudget: 0 };
}

/**
 * A notification without resource data (the only kind we subscribe to) is a few hundred bytes, so
 * 256 KiB holds hundreds of items; a body larger than this is not one Graph sends us.
 */
export const MAX_BODY_BYTES = 256 * 1024;
/**
 * Items waiting per route: at a few hundred bytes each, a few megabytes at most, and at a hundred
 * posts a second far more than a batch gathers while the previous one is written.
 */
export const DEFAULT_MAX_QUEUED_ITEMS = 10_000;
/** Graph's validation tokens are short opaque strings; anything longer is not one. */
const MAX_VALIDATION_TOKEN_LENGTH = 2048;

const itemSchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).nullish(),
  lifecycleEvent: z.string().max(100).optional(),
});
const collectionSchema = z.object({ value: z.array(itemSchema).min(1).max(1000) });
type NotificationItem = z.infer<typeof itemSchema>;

export function registerNotificationRoutes(server: Server, deps: NotificationRouteDeps): NotificationRoutes {
  const counters = deps.counters ?? newNotificationCounters();
  const now = deps.now ?? Date.now;
  const health = deps.health ?? DEFAULT_NOTIFICATION_HEALTH;
  const queueFor = () =>
    createNotificationQueue<NotificationItem>({
      maxItems: deps.maxQueuedItems ?? DEFAULT_MAX_QUEUED_ITEMS,
      handle: async (batch) => {
        await handleBatch(batch);
        for (let i = 0; i < batch.length; i += 1) deps.onHandled?.();
      },
      onError: (err) =>
        deps.logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          'handling Graph notifications failed',
        ),
    });
  const routes = {
    change: {
      budget: deps.budget ?? createNotificationBudget(DEFAULT_NOTIFICATION_LIMITS, now),
      queue: queueFor(),
    },
    lifecycle: {
      budget: deps.lifecycleBudget ?? createNotificationBudget(DEFAULT_NOTIFICATION_LIMITS, now),
      queue: queueFor(),
    },
  };

  const handler = (kind: 'change' | 'lifecycle') => async (req: Request, res: Response) => {
    const { budget, queue } = routes[kind];
    const validationToken = req.query?.validationToken as unknown;
    if (validationToken !== undefined) {
      if (typeof validationToken !== 'string' || validationToken.length > MAX_VALIDATION_TOKEN_LENGTH) {
        counters.badRequests += 1;
        res.send(400, { error: 'validationToken must be a single short string' });
        return;
      }
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.sendRaw(200, validationToken);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      refuse(res, 413);
      return;
    }
    const admission = budget.admit();
    if (!admission.admitted) {
      refuse(res, admission.status, admission.retryAfterSeconds);
      return;
    }
    try {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          refuse(res, 413);
          return;
        }
        body = undefined;
      }
      const parsed = collectionSchema.safeParse(body);
      if (!parsed.success) {
        counters.badRequests += 1;
        res.send(400, {
          error: 'the body must be a Graph notification collection: {"value":[{"subscriptionId":...}]}',
        });
        return;
      }
      if (!queue.offer({ kind, items: parsed.data.value })) {
        refuse(res, 503, 1);
        return;
      }
      res.send(202);
    } finally {
      admission.release();
    }
  };

  function refuse(res: Response, status: 413 | 429 | 503, retryAfterSeconds?: number): void {
    counters.overBudget += 1;
    if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
    res.send(status, {
      error:
        status === 413
          ? `a notification body is at most ${MAX_BODY_BYTES} bytes`
          : 'too many notifications at once; retry after the time in Retry-After',
    });
  }

  /** The bodies of a batch: one lookup for all their subscriptions, one update per kind of change. */
  async function handleBatch(batch: readonly QueuedBody<NotificationItem>[]): Promise<void> {
    const ids = [...new Set(batch.flatMap((b) => b.items.map((i) => i.subscriptionId)))];
    const rows = await deps.db
      .selectFrom('graph_subscriptions as s')
      .innerJoin('sync_accounts as a', 'a.id', 's.account_id')
      .select(['s.id', 's.account_id', 's.client_state_hash', 's.authorized_at', 'a.state'])
      .where('s.id', 'in', ids)
      .execute();
    if (rows.length === 0) {
      // Nothing of ours (stale or forged ids): counted in one step, no per-item work.
      for (const body of batch) counters.rejected += body.items.length;
      return;
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    const heard = new Set<string>();
    const changed = new Set<string>();
    for (const { kind, items } of batch) {
      for (const item of items) {
        const row = byId.get(item.subscriptionId);
        const genuine =
          row !== undefined &&
          item.clientState != null &&
          clientStateMatches(item.clientState, row.client_state_hash);
        if (!genuine || row.state !== 'active') {
          counters.rejected += 1;
          continue;
        }
        heard.add(row.id);
        if (kind === 'lifecycle') {
          counters.lifecycle += 1;
          await onLifecycle(row, item.lifecycleEvent);
        } else {
          counters.accepted += 1;
          changed.add(row.id);
        }
      }
    }
    if (changed.size > 0) {
      await deps.db
        .updateTable('graph_subscriptions')
        .set({ last_heard_at: toIso(now()), change_pending: 1 })
        .where('id', 'in', [...changed])
        .execute();
      for (const id of changed) deps.requests.request(byId.get(id)!.account_id, 'wake');
    }
    for (const id of changed) heard.delete(id);
    if (heard.size > 0) {
      await deps.db
        .updateTable('graph_subscriptions')
        .set({ last_heard_at: toIso(now()) })
        .where('id', 'in', [...heard])
        .execute();
    }
  }

  async function onLifecycle(
    row: { id: string; account_id: string; authorized_at: string | null },
    event: string | undefined,
  ): Promise<void> {
    if (event === 'reauthorizationRequired') {
      const authorizedAt = row.authorized_at === null ? null : Date.parse(row.authorized_at);
      // Graph may challenge every few minutes; a young authorization is left for a later challenge.
      if (!answersChallenge(authorizedAt, now(), health)) return;
      await deps.db
        .updateTable('graph_subscriptions')
        .set({ reauthorize_requested: 1, updated_at: toIso(now()) })
        .where('id', '=', row.id)
        .execute();
      deps.requests.request(row.account_id, 'wake');
      return;
    }
    if (event === 'subscriptionRemoved') {
      // Gone at Graph's end: forgetting it makes the next run create a new one; its delta round
      // catches up on whatever changed while no notifications came.
      await deps.db.deleteFrom('graph_subscriptions').where('id', '=', row.id).execute();
    }
    // `missed` (and any event Graph adds later) needs the delta round that the request starts.
    deps.requests.request(row.account_id, 'delta');
  }

  server.post('/api/notifications', handler('change'));
  server.post('/api/notifications/lifecycle', handler('lifecycle'));
  return {
    counters,
    drained: async () => {
      await Promise.all([routes.change.queue.drained(), routes.lifecycle.queue.drained()]);
    },
  };
}

class BodyTooLarge extends Error {}

/** The body as JSON, whether or not a body parser already ran on this server. */
async function readJson(req: Request): Promise<unknown> {
  const given = (req as { body?: unknown }).body;
  if (given !== undefined) {
    if (Buffer.isBuffer(given) || typeof given === 'string') return JSON.parse(given.toString());
    return given;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
