import type { ChangeNotification, Subscription } from '@microsoft/microsoft-graph-types';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import { graphError, type EmuResponse } from '../http.js';
import { hasPermission, PERMISSIONS, type Caller } from './auth.js';
import { changeKeyOf } from './message-view.js';
import {
  deliver,
  loopbackUrlProblem,
  newValidationToken,
  validateEndpoint,
  type DeliveryRecord,
} from './notification-delivery.js';
import { nextReauthorizationAt, type AuthorizationState } from './reauthorization.js';
import { isUser, resolvePrincipal } from './principal.js';
import type { FolderKey } from './seed-schema.js';
import type { MailboxChange } from './sequence.js';

/**
 * Graph change-notification subscriptions on mail and events: created with the validation handshake,
 * renewed by PATCH, deleted, expired; each change to a subscribed resource is POSTed to the
 * notificationUrl with the subscription's clientState. Lifecycle events are sent on demand (control
 * API), `missed` also when a change notification could not be delivered after its retries, and
 * `reauthorizationRequired` also unprompted, on Graph's schedule (reauthorization.ts), to
 * subscriptions that have a lifecycleNotificationUrl: on every advance of the emulator's clock and
 * every half minute of real time.
 */
const REAUTHORIZATION_CHECK_MS = 30_000;
/** Graph's access tokens last an hour; a caller whose token carries no `exp` is given that. */
const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;
/** Outlook resources (message, event) allow at most 10,080 minutes (7 days). */
export const MAX_EXPIRATION_MINUTES = 10_080;
const DELIVERY_LOG_LIMIT = 1000;

export const createSubscriptionSchema = z
  .object({
    changeType: z.string().min(1),
    notificationUrl: z.string().min(1),
    lifecycleNotificationUrl: z.string().min(1).optional(),
    resource: z.string().min(1),
    expirationDateTime: z.string().datetime({ offset: true }),
    clientState: z.string().max(128).optional(),
    latestSupportedTlsVersion: z.string().optional(),
    includeResourceData: z.literal(false).optional(),
  })
  .passthrough();

export const updateSubscriptionSchema = z
  .object({ expirationDateTime: z.string().datetime({ offset: true }) })
  .passthrough();

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

interface Target {
  userId: string;
  kind: 'message' | 'event';
  /** Messages: one folder, or every folder. */
  folder: FolderKey | 'all';
}

interface Stored {
  subscription: Subscription;
  target: Target;
  changeTypes: Set<string>;
  tenantId: string;
  immutableIds: boolean;
  authorization: AuthorizationState;
}

export class SubscriptionService {
  private readonly subscriptions = new Map<string, Stored>();
  readonly deliveries: DeliveryRecord[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: EmulatorContext) {
    ctx.mailboxes.onChange((userId, change) => this.onChange(userId, change));
    ctx.directory.clock.onAdvance(() => this.sendDueReauthorizations());
  }

  /** Stops the real-time schedule (the emulator is closing). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async create(input: unknown, caller: Caller, immutableIds: boolean): Promise<Subscription | EmuResponse> {
    const parsed = createSubscriptionSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return graphError(400, 'BadRequest', `Invalid subscription: ${issue.path.join('.')}: ${issue.message}`);
    }
    const body = parsed.data;
    const changeTypes = body.changeType.split(',').map((c) => c.trim());
    if (changeTypes.some((c) => !['created', 'updated', 'deleted'].includes(c))) {
      return graphError(400, 'BadRequest', `Invalid changeType '${body.changeType}'.`);
    }
    const target = this.parseResource(body.resource, caller);
    if ('status' in target) return target;
    const expiry = this.checkExpiration(body.expirationDateTime);
    if (typeof expiry !== 'number') return expiry;
    for (const url of [body.notificationUrl, body.lifecycleNotificationUrl]) {
      if (url === undefined) continue;
      const problem = loopbackUrlProblem(url);
      if (problem) return graphError(400, 'ValidationError', problem);
      if (!(await validateEndpoint(url, newValidationToken(randomUUID())))) {
        return graphError(
          400,
          'ValidationError',
          'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
        );
      }
    }
    const subscription: Subscription = {
      id: randomUUID(),
      resource: body.resource,
      applicationId: caller.appId,
      changeType: changeTypes.join(','),
      clientState: body.clientState ?? null,
      notificationUrl: body.notificationUrl,
      lifecycleNotificationUrl: body.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(expiry).toISOString(),
      creatorId: caller.userId ?? caller.appId,
      latestSupportedTlsVersion: body.latestSupportedTlsVersion ?? 'v1_2',
      includeResourceData: false,
      notificationUrlAppId: null,
    };
    this.subscriptions.set(subscription.id!, {
      subscription,
      target,
      changeTypes: new Set(changeTypes),
      tenantId: caller.tenantId,
      immutableIds,
      authorization: this.authorizedBy(caller, expiry),
    });
    if (subscription.lifecycleNotificationUrl && !this.timer) {
      this.timer = setInterval(() => this.sendDueReauthorizations(), REAUTHORIZATION_CHECK_MS);
      this.timer.unref();
    }
    return subscription;
  }

  get(id: string, caller: Caller): Subscription | EmuResponse {
    const stored = this.owned(id, caller);
    return 'status' in stored ? stored : stored.subscription;
  }

  list(caller: Caller): Subscription[] {
    return this.live()
      .filter((s) => s.subscription.applicationId === caller.appId)
      .filter((s) => !caller.userId || s.subscription.creatorId === caller.userId)
      .map((s) => s.subscription);
  }

  /** The control API's view: every subscription, with when its next reauthorizationRequired is due. */
  listAll(): (Subscription & { nextReauthorizationDateTime: string | null })[] {
    return this.live().map((s) => {
      const next = s.subscription.lifecycleNotificationUrl
        ? nextReauthorizationAt(s.authorization)
        : undefined;
      return {
        ...s.subscription,
        nextReauthorizationDateTime: next === undefined ? null : new Date(next).toISOString(),
      };
    });
  }

  update(id: string, input: unknown, caller: Caller): Subscription | EmuResponse {
    const stored = this.owned(id, caller);
    if ('status' in stored) return stored;
    const parsed = updateSubscriptionSchema.safeParse(input);
    if (!parsed.success)
      return graphError(400, 'BadRequest', 'expirationDateTime is required to renew a subscription.');
    const expiry = this.checkExpiration(parsed.data.expirationDateTime);
    if (typeof expiry !== 'number') return expiry;
    stored.subscription = { ...stored.subscription, expirationDateTime: new Date(expiry).toISOString() };
    // "Renewing your subscription also reauthorizes your endpoint" (lifecycle notifications page).
    stored.authorization = this.authorizedBy(caller, expiry);
    return stored.subscription;
  }

  /** POST /subscriptions/{id}/reauthorize: reauthorizes without extending the expiration. */
  reauthorize(id: string, caller: Caller): EmuResponse | undefined {
    const stored = this.owned(id, caller);
    if ('status' in stored) return stored;
    stored.authorization = this.authorizedBy(caller, Date.parse(stored.subscription.expirationDateTime!));
    return undefined;
  }

  delete(id: string, caller: Caller): EmuResponse | undefined {
    const stored = this.owned(id, caller);
    if ('status' in stored) return stored;
    this.subscriptions.delete(id);
    return undefined;
  }

  /** Sends a lifecycle notification; `subscriptionRemoved` also removes the subscription. */
  async lifecycle(id: string, event: LifecycleEvent): Promise<DeliveryRecord | undefined> {
    const stored = this.subscriptions.get(id);
    if (!stored) return undefined;
    const s = stored.subscription;
    if (event === 'subscriptionRemoved') this.subscriptions.delete(id);
    const payload = {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime,
          tenantId: stored.tenantId,
          clientState: s.clientState,
          lifecycleEvent: event,
        },
      ],
    };
    return this.send(s.id!, 'lifecycle', s.lifecycleNotificationUrl ?? s.notificationUrl!, payload);
  }

  reset(): void {
    this.subscriptions.clear();
    this.deliveries.length = 0;
  }

  private authorizedBy(caller: Caller, subscriptionExpiresAt: number): AuthorizationState {
    const now = this.ctx.mailboxes.now();
    return {
      authorizedAt: now,
      tokenExpiresAt: caller.tokenExpiresAt ?? now + DEFAULT_TOKEN_LIFETIME_MS,
      subscriptionExpiresAt,
    };
  }

  private sendDueReauthorizations(): void {
    const now = this.ctx.mailboxes.now();
    for (const stored of this.live()) {
      if (!stored.subscription.lifecycleNotificationUrl) continue;
      const due = nextReauthorizationAt(stored.authorization);
      if (due === undefined || due > now) continue;
      stored.authorization.lastSentAt = now;
      void this.lifecycle(stored.subscription.id!, 'reauthorizationRequired');
    }
  }

  private onChange(userId: string, change: MailboxChange): void {
    for (const stored of this.live()) {
      const { target } = stored;
      if (target.userId !== userId || target.kind !== change.kind) continue;
      if (target.kind === 'message' && target.folder !== 'all' && target.folder !== change.folder) continue;
      if (!stored.changeTypes.has(change.changeType)) continue;
      const s = stored.subscription;
      const id = stored.immutableIds ? change.ids.immutable : change.ids.regular;
      const collection = change.kind === 'message' ? 'Messages' : 'Events';
      const resource = `Users/${userId}/${collection}/${id}`;
      const notification: ChangeNotification = {
        subscriptionId: s.id!,
        subscriptionExpirationDateTime: s.expirationDateTime!,
        changeType: change.changeType,
        resource,
        clientState: s.clientState ?? null,
        tenantId: stored.tenantId,
        resourceData: {
          '@odata.type': change.kind === 'message' ? '#Microsoft.Graph.Message' : '#Microsoft.Graph.Event',
          '@odata.id': resource,
          '@odata.etag': `W/"${changeKeyOf(change.version)}"`,
          id,
        } as ChangeNotification['resourceData'],
      };
      void this.send(s.id!, 'change', s.notificationUrl!, { value: [notification] }).then((record) => {
        // "missed ... some change notifications weren't delivered" (lifecycle notifications page):
        // once Graph gives up on one, it says so, for Outlook messages and events.
        if (!record.delivered && s.lifecycleNotificationUrl) void this.lifecycle(s.id!, 'missed');
      });
    }
  }

  private send(subscriptionId: string, kind: DeliveryRecord['kind'], url: string, payload: unknown) {
    const time = new Date().toISOString();
    return deliver(url, payload).then(({ attempts, status }) => {
      const record: DeliveryRecord = {
        time,
        subscriptionId,
        kind,
        url,
        attempts,
        status,
        delivered: status >= 200 && status < 300,
      };
      this.deliveries.push(record);
      if (this.deliveries.length > DELIVERY_LOG_LIMIT) this.deliveries.shift();
      return record;
    });
  }

  private live(): Stored[] {
    const now = this.ctx.mailboxes.now();
    for (const [id, s] of this.subscriptions) {
      if (Date.parse(s.subscription.expirationDateTime!) <= now) this.subscriptions.delete(id);
    }
    return [...this.subscriptions.values()];
  }

  private owned(id: string, caller: Caller): Stored | EmuResponse {
    this.live();
    const stored = this.subscriptions.get(id);
    if (
      !stored ||
      stored.subscription.applicationId !== caller.appId ||
      stored.tenantId !== caller.tenantId
    ) {
      return graphError(404, 'ResourceNotFound', `The object '${id}' was not found.`);
    }
    return stored;
  }

  private checkExpiration(raw: string): number | EmuResponse {
    const expiry = Date.parse(raw);
    const now = this.ctx.mailboxes.now();
    if (expiry <= now)
      return graphError(400, 'ExtensionError', 'Subscription expiration must be in the future.');
    if (expiry > now + MAX_EXPIRATION_MINUTES * 60_000) {
      return graphError(
        400,
        'ExtensionError',
        `Subscription expiration can only be ${MAX_EXPIRATION_MINUTES} minutes in the future.`,
      );
    }
    return expiry;
  }

  private parseResource(resource: string, caller: Caller): Target | EmuResponse {
    const path = resource
      .replace(/^\/+/, '')
      .replace(/\('([^']*)'\)/g, '/$1')
      .split('?')[0]!;
    const m = /^(me|users\/([^/]+))\/(messages|events|mailFolders\/([^/]+)\/messages)$/i.exec(path);
    if (!m)
      return graphError(400, 'InvalidRequest', `Resource '${resource}' is not supported for subscriptions.`);
    const user = resolvePrincipal(this.ctx, caller, m[2], true);
    if (!isUser(user)) return user;
    const kind = m[3]!.toLowerCase() === 'events' ? 'event' : 'message';
    const permission = kind === 'event' ? PERMISSIONS.readCalendar : PERMISSIONS.readMail;
    if (!hasPermission(caller, permission.scopes, permission.roles)) {
      return graphError(
        403,
        'ExtensionError',
        'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied. Check credentials and try again.]',
      );
    }
    let folder: FolderKey | 'all' = 'all';
    if (m[4]) {
      const resolved = this.ctx.mailboxes.mailbox(user.id).resolveFolder(m[4]);
      if (!resolved)
        return graphError(404, 'ErrorItemNotFound', 'The specified folder was not found in the store.');
      folder = resolved;
    }
    return { userId: user.id, kind, folder };
  }
}
