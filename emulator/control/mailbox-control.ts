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
  const store = ctx.mailboxes;
  const runtime = () => graphRuntime(ctx);
  const box = (req: EmuRequest) => {
    const user = owner(ctx, req);
    return { user, mailbox: store.mailbox(user.id) };
  };
  const base = '/_emulator/mailboxes/{user}';

  router
    .on(
      'GET',
      base,
      controlRoute((req) => {
        const { user, mailbox } = box(req);
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
      `${base}/seed`,
      controlRoute((req) => {
        const { user } = box(req);
        const raw = parseJson(req.body);
        if (raw === undefined) throw new ControlInputError('the request body is not valid JSON');
        asInputError(() => store.loadSeed(user.id, raw, ownerAddresses(user)));
        return json(200, { loaded: true });
      }),
    )
    .on(
      'POST',
      `${base}/generate`,
      controlRoute((req) => {
        const { user } = box(req);
        const body = parseBody(generateBody, req);
        const started = Date.now();
        const mailbox = store.generate(user.id, { ...body, ownerAddress: user.mail });
        return json(200, {
          messages: mailbox.messages.size,
          events: mailbox.calendar.size,
          milliseconds: Date.now() - started,
        });
      }),
    )
    .on(
      'POST',
      `${base}/messages`,
      controlRoute((req) => {
        const { mailbox } = box(req);
        const input = messageFromSeed(parseBody(messageSeed, req), mailbox.tag, store.now());
        const record = mailbox.messages.add(input.folder, input.fields, input.sensitivity, store.now());
        return json(201, messageOut(mailbox, record.key));
      }),
    )
    .on(
      'PATCH',
      `${base}/messages/{id}`,
      controlRoute((req) => {
        const { mailbox } = box(req);
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
      `${base}/messages/{id}/move`,
      controlRoute((req) => {
        const { mailbox } = box(req);
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
      `${base}/messages/{id}`,
      controlRoute((req) => {
        const { mailbox } = box(req);
        const record = mailbox.messages.find(req.params['id']!);
        if (!record) return notFound('message');
        mailbox.messages.delete(record.key);
        return { status: 204 };
      }),
    )
    .on(
      'POST',
      `${base}/events`,
      controlRoute((req) => {
        const { user, mailbox } = box(req);
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
      `${base}/events/{id}`,
      controlRoute((req) => {
        const { mailbox } = box(req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('event');
        const body = parseBody(eventPatch, req);
        const record = found.record;
        const startMs = body.start !== undefined ? Date.parse(body.start) : undefined;
        const duration = body.durationMinutes !== undefined ? body.durationMinutes * MINUTE_MS : undefined;
        const fields = {
          ...(body.subject !== undefined ? { subject: body.subject } : {}),
          ...(body.location !== undefined ? { location: { displayName: body.location } } : {}),
          ...(body.isCancelled !== undefined ? { isCancelled: body.isCancelled } : {}),
        };
        const newStart = startMs ?? record.startMs;
        asInputError(() =>
          mailbox.calendar.update(
            record.key,
            {
              fields,
              ...(startMs !== undefined ? { startMs } : {}),
              ...(duration !== undefined || startMs !== undefined
                ? { endMs: newStart + (duration ?? record.endMs - record.startMs) }
                : {}),
            },
            store.now(),
          ),
        );
        return json(200, eventOut(mailbox, record.key));
      }),
    )
    .on(
      'POST',
      `${base}/events/{id}/cancel-occurrence`,
      controlRoute((req) => {
        const { mailbox } = box(req);
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
      `${base}/events/{id}/exception`,
      controlRoute((req) => {
        const { mailbox } = box(req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('series');
        if (!found.record.fields.recurrence)
          throw new ControlInputError('the event is not a recurring series');
        const body = parseBody(exceptionBody, req);
        const slot = occurrenceSlot(mailbox, found.record.key, body);
        const previous = found.record.exceptions.get(slot);
        const startMs = body.start !== undefined ? Date.parse(body.start) : (previous?.startMs ?? slot);
        const duration =
          body.durationMinutes !== undefined
            ? body.durationMinutes * MINUTE_MS
            : (previous?.endMs ?? slot + found.record.endMs - found.record.startMs) -
              (previous?.startMs ?? slot);
        mailbox.calendar.setException(
          found.record.key,
          slot,
          {
            startMs,
            endMs: startMs + duration,
            ...(body.subject !== undefined ? { subject: body.subject } : {}),
            ...(body.location !== undefined ? { location: body.location } : {}),
          },
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
      `${base}/events/{id}`,
      controlRoute((req) => {
        const { mailbox } = box(req);
        const found = mailbox.calendar.find(req.params['id']!);
        if (!found || found.occurrenceStartMs !== undefined) return notFound('event');
        mailbox.calendar.delete(found.record.key);
        return { status: 204 };
      }),
    )
    .on(
      'GET',
      `${base}/calendar-delta`,
      controlRoute((req) => json(200, box(req).mailbox.calendarDelta)),
    )
    .on(
      'PUT',
      `${base}/calendar-delta`,
      controlRoute((req) => {
        const { mailbox } = box(req);
        mailbox.calendarDelta = parseBody(calendarDeltaBehaviourSchema, req);
        return json(200, mailbox.calendarDelta);
      }),
    )
    .on(
      'GET',
      `${base}/faults`,
      controlRoute((req) => json(200, runtime().faults.get(box(req).user.id))),
    )
    .on(
      'PUT',
      `${base}/faults`,
      controlRoute((req) => {
        const { user } = box(req);
        runtime().faults.set(user.id, parseBody(faultSettingsSchema, req));
        return json(200, runtime().faults.get(user.id));
      }),
    )
    .on(
      'DELETE',
      `${base}/faults`,
      controlRoute((req) => {
        runtime().faults.clear(box(req).user.id);
        return { status: 204 };
      }),
    )
    .on(
      'PUT',
      `${base}/budget`,
      controlRoute((req) => {
        const { user } = box(req);
        const budget = parseBody(budgetBody, req);
        runtime().throttle.setBudget(user.id, budget);
        return json(200, budget);
      }),
    )
    .on(
      'DELETE',
      `${base}/budget`,
      controlRoute((req) => {
        runtime().throttle.setBudget(box(req).user.id, undefined);
        return { status: 204 };
      }),
    )
    .on(
      'GET',
      `${base}/sent-mail`,
      controlRoute((req) => json(200, { value: box(req).mailbox.sentMail })),
    )
    .on(
      'GET',
      `${base}/requests`,
      controlRoute((req) => {
        const { user } = box(req);
        const t = runtime().throttle;
        return json(200, { ...t.counters(user.id), value: t.log(user.id) });
      }),
    )
    .on(
      'DELETE',
      `${base}/requests`,
      controlRoute((req) => {
        runtime().throttle.clearLog(box(req).user.id);
        return { status: 204 };
      }),
    )
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
