import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import type { DirectoryUser } from '../directory.js';
import { json, parseJson, type EmuRequest, type EmuResponse, type Router } from '../http.js';
import { calendarDeltaBehaviourSchema } from '../graph/calendar-delta-behaviour.js';
import { eventResource } from '../graph/event-view.js';
import { faultSettingsSchema } from '../graph/faults.js';
import type { Mailbox } from '../graph/mailbox.js';
import { bodyPreview, eventFromSeed, messageFromSeed } from '../graph/mailbox-seed.js';
import { messageResource } from '../graph/message-view.js';
import { occurrenceSlots, slotAt } from '../graph/recurrence.js';
import { graphRuntime } from '../graph/runtime.js';
import { eventSeed, messageSeed, SENSITIVITIES, WELL_KNOWN_FOLDERS } from '../graph/seed-schema.js';
import { controlError, controlRoute, ControlInputError, parseBody } from './control-route.js';

/**
 * The mailbox half of the control API (/_emulator/mailboxes/..., /_emulator/subscriptions/...): live
 * changes to mail and events (which feed delta and fire notifications), generated mailboxes, faults,
 * budgets, sent mail, the request log and lifecycle notifications. README.md in emulator/graph has examples.
 */
const MINUTE_MS = 60_000;

const messagePatch = z
  .object({
    subject: z.string().max(255).optional(),
    body: z.string().optional(),
    isRead: z.boolean().optional(),
    importance: z.enum(['low', 'normal', 'high']).optional(),
    categories: z.array(z.string()).optional(),
    sensitivity: z.enum(SENSITIVITIES).optional(),
  })
  .strict();

/** A well-known name or the id of a folder created through Graph. */
const moveBody = z.object({ folder: z.string().min(1) }).strict();

const eventPatch = z
  .object({
    subject: z.string().max(255).optional(),
    location: z.string().optional(),
    start: z.string().datetime({ offset: true }).optional(),
    durationMinutes: z.number().int().min(1).max(1440).optional(),
    isCancelled: z.boolean().optional(),
  })
  .strict();

const cancelOccurrenceBody = z
  .object({
    occurrence: z.number().int().min(0).optional(),
    originalStart: z.string().datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((b) => (b.occurrence === undefined) !== (b.originalStart === undefined), {
    message: 'give occurrence (index) or originalStart',
  });

/** An occurrence changed on its own: moved (new start), retitled or relocated. */
const exceptionBody = z
  .object({
    occurrence: z.number().int().min(0).optional(),
    originalStart: z.string().datetime({ offset: true }).optional(),
    start: z.string().datetime({ offset: true }).optional(),
    durationMinutes: z.number().int().min(1).max(1440).optional(),
    subject: z.string().max(255).optional(),
    location: z.string().optional(),
  })
  .strict()
  .refine((b) => (b.occurrence === undefined) !== (b.originalStart === undefined), {
    message: 'give occurrence (index) or originalStart',
  });

const generateBody = z
  .object({
    messages: z.number().int().min(0).max(350_000),
    events: z.number().int().min(0).max(10_000).default(0),
    seed: z.number().int().default(1),
    days: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

const budgetBody = z
  .object({ limit: z.number().int().min(1), windowSeconds: z.number().int().min(1).max(3600) })
  .strict();

const lifecycleBody = z
  .object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) })
  .strict();

function ownerAddresses(user: DirectoryUser): string[] {
  return [user.mail, user.userPrincipalName];
}

function isWellKnown(folder: string): boolean {
  return (WELL_KNOWN_FOLDERS as readonly string[]).includes(folder);
}

function owner(ctx: EmulatorContext, req: EmuRequest): DirectoryUser {
  const named = req.params['user']!;
  const user = ctx.directory.findUserById(named) ?? ctx.directory.findUserByUpn(named);
  if (!user) throw new ControlInputError(`no directory user ${named}`);
  return user;
}

/** Store operations throw plain errors for bad input (an event ending before it starts, say). */
function asInputError<T>(operation: () => T): T {
  try {
    return operation();
  } catch (err) {
    if (err instanceof ControlInputError) throw err;
    throw new ControlInputError((err as Error).message);
  }
}

function notFound(what: string): EmuResponse {
  return controlError(404, 'NotFound', `${what} not found`);
}

function messageOut(mailbox: Mailbox, key: number): object {
  const record = mailbox.messages.get(key)!;
  const resource = messageResource(mailbox, record, false, true);
  return { ...resource, immutableId: mailbox.messages.ids(record).immutable };
}

function eventOut(mailbox: Mailbox, key: number): object {
  const record = mailbox.calendar.get(key)!;
  return { ...eventResource(mailbox, record, false), immutableId: mailbox.calendar.ids(record).immutable };
}

export function registerMailboxControlRoutes(router: Router, ctx: EmulatorContext): void {
  registerMailboxRoutes(router, ctx);
  registerMessageRoutes(router, ctx);
  registerEventRoutes(router, ctx);
  registerBehaviourRoutes(router, ctx);
  registerObservationRoutes(router, ctx);
  registerSubscriptionRoutes(router, ctx);
}

const BASE = '/_emulator/mailboxes/{user}';

/** The directory user the path names and their mailbox. */
function mailboxOf(ctx: EmulatorContext, req: EmuRequest): { user: DirectoryUser; mailbox: Mailbox } {
  const user = owner(ctx, req);
  return { user, mailbox: ctx.mailboxes.mailbox(user.id) };
}

/** What is in a mailbox; a seed replacing it; a generated one. */
function registerMailboxRoutes(router: Router, ctx: EmulatorContext): void {
  const store = ctx.mailboxes;
  router
    .on(
      'GET',
      BASE,
      controlRoute((req) => {
        const { user, mailbox } = mailboxOf(ctx, req);
        return json(200, {
          userId: user.id,
          userPrincipalName: user.userPrincipalName,
          folders: mailbox.folders().map((f) => {
            const key = mailbox.resolveFolder(f.id!);
            return { ...f, ...(key && isWellKnown(key) ? { wellKnownName: key } : {}) };
          }),
          events: mailbox.calendar.size,
          sequence: mailbox.sequence.current,
        });
      }),
    )
    .on(
      'PUT',
      `${BASE}/seed`,
      controlRoute((req) => {
        const { user } = mailboxOf(ctx, req);
        const raw = parseJson(req.body);
        if (raw === undefined) throw new ControlInputError('the request body is not valid JSON');
        asInputError(() => store.loadSeed(user.id, raw, ownerAddresses(user)));
        return json(200, { loaded: true });
      }),
    )
    .on(
      'POST',
      `${BASE}/generate`,
      controlRoute((req) => {
        const { user } = mailboxOf(ctx, req);
        const body = parseBody(generateBody, req);
        const started = Date.now();
        const mailbox = store.generate(user.id, { ...body, ownerAddress: user.mail });
        return json(200, {
          messages: mailbox.messages.size,
          events: mailbox.calendar.size,
          milliseconds: Date.now() - started,
        });
      }),
    );
}

/** Live changes to mail, as a person or another client would make them. */
function registerMessageRoutes(router: Router, ctx: EmulatorContext): void {
  const store = ctx.mailboxes;
  router
    .on(
      'POST',
      `${BASE}/messages`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const input = messageFromSeed(parseBody(messageSeed, req), mailbox.tag, store.now());
        const record = mailbox.messages.add(input.folder, input.fields, input.sensitivity, store.now());
        return json(201, messageOut(mailbox, record.key));
      }),
    )
    .on(
      'PATCH',
      `${BASE}/messages/{id}`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const record = mailbox.messages.find(req.params['id']!);
        if (!record) return notFound('message');
        const { sensitivity, body, ...rest } = parseBody(messagePatch, req);
        const patch = {
          ...rest,
          ...(body !== undefined
            ? {
                body: { contentType: 'text' as const, content: body },
                bodyPreview: bodyPreview(body, 'text'),
              }
            : {}),
        };
        mailbox.messages.update(record.key, patch, sensitivity, store.now());
        return json(200, messageOut(mailbox, record.key));
      }),
    )
    .on(
      'POST',
      `${BASE}/messages/{id}/move`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const record = mailbox.messages.find(req.params['id']!);
        if (!record) return notFound('message');
        const folder = mailbox.resolveFolder(parseBody(moveBody, req).folder);
        if (!folder) return notFound('folder');
        mailbox.messages.move(record.key, folder, store.now());
        return json(200, messageOut(mailbox, record.key));
      }),
    )
    .on(
      'DELETE',
      `${BASE}/messages/{id}`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const record = mailbox.messages.find(req.params['id']!);
        if (!record) return notFound('message');
        mailbox.messages.delete(record.key);
        return { status: 204 };
      }),
    );
}

/** Live changes to the calendar: events, and single occurrences of a series. */
function registerEventRoutes(router: Router, ctx: EmulatorContext): void {
  const store = ctx.mailboxes;
  router
    .on(
      'POST',
      `${BASE}/events`,
      controlRoute((req) => {
        const { user, mailbox } = mailboxOf(ctx, req);
        const seed = parseBody(eventSeed, req);
        const owner = new Set(ownerAddresses(user).map((a) => a.toLowerCase()));
        const record = asInputError(() =>
          mailbox.calendar.add(eventFromSeed(seed, store.now(), owner), store.now()),
        );
        return json(201, eventOut(mailbox, record.key));
      }),
    )
    .on(
      'PATCH',
      `${BASE}/events/{id}`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('event');
        const change = eventChange(found.record, parseBody(eventPatch, req));
        asInputError(() => mailbox.calendar.update(found.record.key, change, store.now()));
        return json(200, eventOut(mailbox, found.record.key));
      }),
    )
    .on(
      'POST',
      `${BASE}/events/{id}/cancel-occurrence`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('series');
        const recurrence = found.record.fields.recurrence;
        if (!recurrence) throw new ControlInputError('the event is not a recurring series');
        const body = parseBody(cancelOccurrenceBody, req);
        const slot = occurrenceSlot(mailbox, found.record.key, body);
        mailbox.calendar.cancelOccurrence(found.record.key, slot, store.now());
        const ids = mailbox.calendar.occurrenceIds(found.record, slot);
        return json(200, {
          cancelled: new Date(slot).toISOString(),
          occurrenceId: ids.regular,
          immutableId: ids.immutable,
        });
      }),
    )
    .on(
      'POST',
      `${BASE}/events/{id}/exception`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('series');
        if (!found.record.fields.recurrence)
          throw new ControlInputError('the event is not a recurring series');
        const body = parseBody(exceptionBody, req);
        const slot = occurrenceSlot(mailbox, found.record.key, body);
        mailbox.calendar.setException(
          found.record.key,
          slot,
          exceptionChange(found.record, slot, body),
          store.now(),
        );
        const ids = mailbox.calendar.occurrenceIds(found.record, slot);
        return json(200, {
          originalStart: new Date(slot).toISOString(),
          occurrenceId: ids.regular,
          immutableId: ids.immutable,
        });
      }),
    )
    .on(
      'DELETE',
      `${BASE}/events/{id}`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('event');
        mailbox.calendar.delete(found.record.key);
        return { status: 204 };
      }),
    );
}

type EventRecord = NonNullable<ReturnType<Mailbox['calendar']['get']>>;

/** A patch as the calendar store takes it: a new start keeps the duration unless one is given. */
function eventChange(record: EventRecord, body: z.infer<typeof eventPatch>) {
  const startMs = body.start !== undefined ? Date.parse(body.start) : undefined;
  const duration = body.durationMinutes !== undefined ? body.durationMinutes * MINUTE_MS : undefined;
  const newStart = startMs ?? record.startMs;
  return {
    fields: {
      ...(body.subject !== undefined ? { subject: body.subject } : {}),
      ...(body.location !== undefined ? { location: { displayName: body.location } } : {}),
      ...(body.isCancelled !== undefined ? { isCancelled: body.isCancelled } : {}),
    },
    ...(startMs !== undefined ? { startMs } : {}),
    ...(duration !== undefined || startMs !== undefined
      ? { endMs: newStart + (duration ?? record.endMs - record.startMs) }
      : {}),
  };
}

/** An occurrence's exception: what the body changes on top of an earlier exception or the series. */
function exceptionChange(record: EventRecord, slot: number, body: z.infer<typeof exceptionBody>) {
  const previous = record.exceptions.get(slot);
  const startMs = body.start !== undefined ? Date.parse(body.start) : (previous?.startMs ?? slot);
  const duration =
    body.durationMinutes !== undefined
      ? body.durationMinutes * MINUTE_MS
      : (previous?.endMs ?? slot + record.endMs - record.startMs) - (previous?.startMs ?? slot);
  return {
    startMs,
    endMs: startMs + duration,
    ...(body.subject !== undefined ? { subject: body.subject } : {}),
    ...(body.location !== undefined ? { location: body.location } : {}),
  };
}

/** How the mailbox's Graph answers: calendar delta behaviour, injected faults, request budgets. */
function registerBehaviourRoutes(router: Router, ctx: EmulatorContext): void {
  const runtime = () => graphRuntime(ctx);
  router
    .on(
      'GET',
      `${BASE}/calendar-delta`,
      controlRoute((req) => json(200, mailboxOf(ctx, req).mailbox.calendarDelta)),
    )
    .on(
      'PUT',
      `${BASE}/calendar-delta`,
      controlRoute((req) => {
        const { mailbox } = mailboxOf(ctx, req);
        mailbox.calendarDelta = parseBody(calendarDeltaBehaviourSchema, req);
        return json(200, mailbox.calendarDelta);
      }),
    )
    .on(
      'GET',
      `${BASE}/faults`,
      controlRoute((req) => json(200, runtime().faults.get(mailboxOf(ctx, req).user.id))),
    )
    .on(
      'PUT',
      `${BASE}/faults`,
      controlRoute((req) => {
        const { user } = mailboxOf(ctx, req);
        runtime().faults.set(user.id, parseBody(faultSettingsSchema, req));
        return json(200, runtime().faults.get(user.id));
      }),
    )
    .on(
      'DELETE',
      `${BASE}/faults`,
      controlRoute((req) => {
        runtime().faults.clear(mailboxOf(ctx, req).user.id);
        return { status: 204 };
      }),
    )
    .on(
      'PUT',
      `${BASE}/budget`,
      controlRoute((req) => {
        const { user } = mailboxOf(ctx, req);
        const budget = parseBody(budgetBody, req);
        runtime().throttle.setBudget(user.id, budget);
        return json(200, budget);
      }),
    )
    .on(
      'DELETE',
      `${BASE}/budget`,
      controlRoute((req) => {
        runtime().throttle.setBudget(mailboxOf(ctx, req).user.id, undefined);
        return { status: 204 };
      }),
    );
}

/** What the mailbox's clients did: mail they sent, requests they made. */
function registerObservationRoutes(router: Router, ctx: EmulatorContext): void {
  const runtime = () => graphRuntime(ctx);
  router
    .on(
      'GET',
      `${BASE}/sent-mail`,
      controlRoute((req) => json(200, { value: mailboxOf(ctx, req).mailbox.sentMail })),
    )
    .on(
      'GET',
      `${BASE}/requests`,
      controlRoute((req) => {
        const { user } = mailboxOf(ctx, req);
        const t = runtime().throttle;
        return json(200, { ...t.counters(user.id), value: t.log(user.id) });
      }),
    )
    .on(
      'DELETE',
      `${BASE}/requests`,
      controlRoute((req) => {
        runtime().throttle.clearLog(mailboxOf(ctx, req).user.id);
        return { status: 204 };
      }),
    );
}

/** Change-notification subscriptions: what exists, what was delivered, lifecycle events on demand. */
function registerSubscriptionRoutes(router: Router, ctx: EmulatorContext): void {
  const runtime = () => graphRuntime(ctx);
  router
    .on(
      'GET',
      '/_emulator/subscriptions',
      controlRoute(() => json(200, { value: runtime().subscriptions.listAll() })),
    )
    .on(
      'GET',
      '/_emulator/subscriptions/deliveries',
      controlRoute(() => json(200, { value: runtime().subscriptions.deliveries })),
    )
    .on(
      'POST',
      '/_emulator/subscriptions/{id}/lifecycle',
      controlRoute(async (req) => {
        const { event } = parseBody(lifecycleBody, req);
        const delivery = await runtime().subscriptions.lifecycle(req.params['id']!, event);
        return delivery ? json(200, delivery) : notFound('subscription');
      }),
    );
}

function occurrenceSlot(
  mailbox: Mailbox,
  key: number,
  body: { occurrence?: number; originalStart?: string },
): number {
  const record = mailbox.calendar.get(key)!;
  const recurrence = record.fields.recurrence!;
  if (body.originalStart !== undefined) {
    const wanted = Date.parse(body.originalStart);
    for (const slot of occurrenceSlots(record.startMs, recurrence, wanted + 1)) {
      if (slot.startMs === wanted) return wanted;
    }
    throw new ControlInputError(`the series has no occurrence starting ${body.originalStart}`);
  }
  const slot = slotAt(record.startMs, recurrence, body.occurrence!);
  if (slot === undefined)
    throw new ControlInputError(`the series has no occurrence number ${body.occurrence}`);
  return slot;
}
