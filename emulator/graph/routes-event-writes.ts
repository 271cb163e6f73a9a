import { graphError, json, parseJson, type EmuResponse } from '../http.js';
import { accessDenied, hasPermission, PERMISSIONS } from './auth.js';
import type { EventFields, EventRecord } from './calendar-store.js';
import { EVENT_PROPERTIES, eventResource } from './event-view.js';
import { readEventWrite } from './event-write-body.js';
import { parsePropertyFilter, valueMatches } from './extended-properties.js';
import { userOf, type GraphHandler, type GraphRequest } from './graph-request.js';
import type { Mailbox } from './mailbox.js';
import type { GraphPipeline } from './pipeline.js';
import { parseSelect, project } from './select.js';

/**
 * Writing events as Graph documents it: "Create event" (POST /events, 201, `transactionId` makes a
 * retried create return the event it already made instead of a second one), "Update event" (PATCH,
 * 200 with the event), "Delete event" (DELETE, 204), and listing events by a single-value extended
 * property ("Get singleValueLegacyExtendedProperty", `$filter=singleValueExtendedProperties/Any(...)`).
 * Every write goes through the calendar store, so calendarView delta reports it like any other change.
 */

const notFound = () =>
  graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

function canWriteCalendar(req: GraphRequest): boolean {
  return hasPermission(req.caller, PERMISSIONS.writeCalendar.scopes, PERMISSIONS.writeCalendar.roles);
}

function canReadCalendar(req: GraphRequest): boolean {
  return hasPermission(req.caller, PERMISSIONS.readCalendar.scopes, PERMISSIONS.readCalendar.roles);
}

function entity(req: GraphRequest, mailbox: Mailbox, record: EventRecord, status: number): EmuResponse {
  const user = userOf(req);
  // One item in the answer, for the latency model's per-item time.
  req.itemCount = 1;
  return json(status, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#users('${user.id}')/events/$entity`,
    ...eventResource(mailbox, record, req.prefs.immutableIds),
  });
}

function readBody(req: GraphRequest) {
  const raw = req.body.length ? parseJson(req.body) : undefined;
  if (raw === undefined)
    return { problem: graphError(400, 'RequestBodyRead', 'The request body is missing or is not JSON.') };
  const write = readEventWrite(raw);
  if ('code' in write) return { problem: graphError(400, write.code, write.message) };
  return { write };
}

const createEvent: GraphHandler = (req) => {
  if (!canWriteCalendar(req)) return accessDenied();
  const user = userOf(req);
  const mailbox = req.ctx.mailboxes.mailbox(user.id);
  const { write, problem } = readBody(req);
  if (problem) return problem;
  if (write.startMs === undefined || write.endMs === undefined)
    return graphError(400, 'ErrorInvalidRequest', 'An event needs a start and an end.');
  if (write.endMs < write.startMs)
    return graphError(400, 'ErrorInvalidRequest', 'The end of the event is before its start.');
  if (write.transactionId !== undefined) {
    const earlier = mailbox.calendar.findByTransactionId(write.transactionId);
    if (earlier) return entity(req, mailbox, earlier, 201);
  }
  const organizer = { emailAddress: { name: user.displayName, address: user.mail } };
  const fields: EventFields = {
    subject: '',
    body: { contentType: 'html', content: '' },
    bodyPreview: '',
    importance: 'normal',
    sensitivity: 'normal',
    showAs: 'busy',
    isAllDay: false,
    isCancelled: false,
    isReminderOn: true,
    reminderMinutesBeforeStart: 15,
    attendees: [],
    location: { displayName: '' },
    ...write.fields,
    organizer,
    isOrganizer: true,
  };
  // Outlook keeps a zero-length event; the store asks for a positive one, so the emulator adds a minute.
  const endMs = write.endMs > write.startMs ? write.endMs : write.startMs + 60_000;
  const record = mailbox.calendar.add(
    {
      startMs: write.startMs,
      endMs,
      fields,
      ...(write.extendedProperties ? { extendedProperties: write.extendedProperties } : {}),
      ...(write.transactionId !== undefined ? { transactionId: write.transactionId } : {}),
    },
    req.ctx.mailboxes.now(),
  );
  return entity(req, mailbox, record, 201);
};

const updateEvent: GraphHandler = (req) => {
  if (!canWriteCalendar(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const found = mailbox.calendar.find(req.params['id']!);
  if (!found) return notFound();
  if (found.occurrenceStartMs !== undefined)
    return graphError(
      400,
      'ErrorInvalidRequest',
      'The emulator does not update single occurrences through Graph; update the series or use the control API.',
    );
  const { write, problem } = readBody(req);
  if (problem) return problem;
  if (write.transactionId !== undefined && write.transactionId !== found.record.transactionId)
    return graphError(400, 'ErrorInvalidRequest', 'The transactionId of an event cannot be changed.');
  const startMs = write.startMs ?? found.record.startMs;
  const endMs =
    write.endMs ??
    (write.startMs !== undefined ? startMs + found.record.endMs - found.record.startMs : found.record.endMs);
  if (endMs <= startMs)
    return graphError(400, 'ErrorInvalidRequest', 'The end of the event is before its start.');
  const record = mailbox.calendar.update(
    found.record.key,
    {
      fields: write.fields,
      startMs,
      endMs,
      ...(write.extendedProperties ? { extendedProperties: write.extendedProperties } : {}),
    },
    req.ctx.mailboxes.now(),
  );
  return entity(req, mailbox, record, 200);
};

const deleteEvent: GraphHandler = (req) => {
  if (!canWriteCalendar(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const found = mailbox.calendar.find(req.params['id']!);
  if (!found) return notFound();
  if (found.occurrenceStartMs !== undefined) {
    if (found.record.cancelled.includes(found.occurrenceStartMs)) return notFound();
    mailbox.calendar.cancelOccurrence(found.record.key, found.occurrenceStartMs, req.ctx.mailboxes.now());
  } else {
    mailbox.calendar.delete(found.record.key);
  }
  return { status: 204 };
};

/** Outlook's list pages: 10 items unless `$top` asks for more, at most 1000. */
const LIST_PAGE = { size: 10, max: 1000 };

const listEvents: GraphHandler = (req) => {
  if (!canReadCalendar(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const params = req.url.searchParams;
  const select = parseSelect(params.get('$select'), EVENT_PROPERTIES, 'microsoft.graph.event');
  if ('error' in select) return graphError(400, 'RequestBroker--ParseUri', select.error);
  const rawFilter = params.get('$filter');
  const filter = rawFilter === null ? undefined : parsePropertyFilter(rawFilter);
  if (rawFilter !== null && !filter)
    return graphError(
      400,
      'ErrorInvalidUrlQueryFilter',
      'The emulator filters events only by a single-value extended property (id eq and value eq).',
    );
  const top = Number(params.get('$top') ?? LIST_PAGE.size);
  const skip = Number(params.get('$skip') ?? 0);
  if (!Number.isInteger(top) || top < 1 || !Number.isInteger(skip) || skip < 0)
    return graphError(400, 'ErrorInvalidParameter', '$top and $skip must be non-negative integers.');
  const size = Math.min(top, LIST_PAGE.max);
  const matching = [...mailbox.calendar.all()].filter(
    (r) => !filter || valueMatches(r.extendedProperties.get(filter.id), filter.value),
  );
  const page = matching.slice(skip, skip + size);
  const next = new URL(req.url.href);
  next.searchParams.set('$skip', String(skip + size));
  req.itemCount = page.length;
  return json(200, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#users('${userOf(req).id}')/events`,
    ...(skip + size < matching.length
      ? { '@odata.nextLink': `${req.ctx.origin}/v1.0${req.graphPath}?${next.searchParams.toString()}` }
      : {}),
    value: page.map((r) => project(eventResource(mailbox, r, req.prefs.immutableIds), select.fields)),
  });
};

export function registerEventWriteRoutes(pipeline: GraphPipeline): void {
  pipeline
    .user('GET', '/events', listEvents)
    .user('POST', '/events', createEvent)
    .user('POST', '/calendar/events', createEvent)
    .user('PATCH', '/events/{id}', updateEvent)
    .user('DELETE', '/events/{id}', deleteEvent);
}
