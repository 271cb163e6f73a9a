import { graphError, json } from '../http.js';
import { accessDenied, hasPermission, PERMISSIONS } from './auth.js';
import { calendarDeltaPage, initialCalendarState } from './calendar-delta.js';
import { EVENT_PROPERTIES, eventResource, instanceResource, instancesInWindow } from './event-view.js';
import { deltaResponse } from './delta-response.js';
import { syncStateNotFound } from './faults.js';
import { checkState, parseGraphDateTime, stateToken } from './graph-query.js';
import { userOf, type GraphHandler, type GraphRequest } from './graph-request.js';
import type { GraphPipeline } from './pipeline.js';
import { parseSelect, project } from './select.js';
import { parseExpandedProperty } from './extended-properties.js';

/** calendarView delta over a window, and single events or occurrences by id. */

function canReadCalendar(req: GraphRequest): boolean {
  return hasPermission(req.caller, PERMISSIONS.readCalendar.scopes, PERMISSIONS.readCalendar.roles);
}

const calendarViewDelta: GraphHandler = (req) => {
  if (!canReadCalendar(req)) return accessDenied();
  const user = userOf(req);
  const mailbox = req.ctx.mailboxes.mailbox(user.id);
  const { faults } = req.runtime;
  const token = stateToken(req);
  let state;
  if (token) {
    if (faults.takeSyncStateGone(user.id)) return syncStateNotFound(faults.get(user.id).syncStateGoneStatus);
    const checked = checkState(token, 'events', mailbox);
    if ('status' in checked) return checked;
    state = checked;
  } else {
    const start = parseGraphDateTime(
      req.url.searchParams.get('startDateTime') ?? req.url.searchParams.get('startdatetime'),
    );
    const end = parseGraphDateTime(
      req.url.searchParams.get('endDateTime') ?? req.url.searchParams.get('enddatetime'),
    );
    if (start === undefined || end === undefined) {
      return graphError(
        400,
        'ErrorInvalidParameter',
        'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      );
    }
    if (end <= start)
      return graphError(400, 'ErrorInvalidParameter', 'EndDateTime must be later than StartDateTime.');
    const select = parseSelect(
      req.url.searchParams.get('$select'),
      EVENT_PROPERTIES,
      'microsoft.graph.event',
    );
    if ('error' in select) return graphError(400, 'RequestBroker--ParseUri', select.error);
    state = initialCalendarState(mailbox, start, end, select.fields);
  }
  const round = state; // const, so the page callback sees the narrowed type
  return deltaResponse(req, 'event', round, (options) => calendarDeltaPage(mailbox, round, options));
};

const getEvent: GraphHandler = (req) => {
  if (!canReadCalendar(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const found = mailbox.calendar.find(req.params['id']!);
  const notFound = graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  if (!found) return notFound;
  const select = parseSelect(req.url.searchParams.get('$select'), EVENT_PROPERTIES, 'microsoft.graph.event');
  if ('error' in select) return graphError(400, 'RequestBroker--ParseUri', select.error);
  const rawExpand = req.url.searchParams.get('$expand');
  const expanded = rawExpand === null ? undefined : parseExpandedProperty(rawExpand);
  if (rawExpand !== null && !expanded)
    return graphError(
      400,
      'RequestBroker--ParseUri',
      "Only singleValueExtendedProperties($filter=id eq '...') can be expanded here.",
    );
  // The expanded collection appears only when the event has the property.
  const property = expanded === undefined ? undefined : found.record.extendedProperties.get(expanded);
  const extended =
    property === undefined ? {} : { singleValueExtendedProperties: [{ id: expanded, value: property }] };
  let resource;
  if (found.occurrenceStartMs === undefined) {
    resource = eventResource(mailbox, found.record, req.prefs.immutableIds);
  } else {
    const slot = found.occurrenceStartMs;
    const instance = instancesInWindow(found.record, slot - 1, slot + 1).find((i) => i.slotMs === slot);
    if (!instance || instance.cancelled) return notFound;
    resource = instanceResource(mailbox, found.record, instance, req.prefs.immutableIds);
  }
  return json(200, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#events/$entity`,
    ...project({ ...resource, ...extended }, select.fields),
  });
};

/** Outlook's list pages: 10 items unless `$top` asks for more, at most 1000. */
const LIST_PAGE = { size: 10, max: 1000 };

/**
 * "List instances" (event-list-instances): a series master's occurrences and exceptions in a required
 * window, full items (not stripped as in delta), cancelled occurrences absent; paged with `$top`/`$skip`.
 */
const listInstances: GraphHandler = (req) => {
  if (!canReadCalendar(req)) return accessDenied();
  const mailbox = req.ctx.mailboxes.mailbox(userOf(req).id);
  const found = mailbox.calendar.find(req.params['id']!);
  if (!found || found.occurrenceStartMs !== undefined)
    return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  const params = req.url.searchParams;
  const start = parseGraphDateTime(params.get('startDateTime') ?? params.get('startdatetime'));
  const end = parseGraphDateTime(params.get('endDateTime') ?? params.get('enddatetime'));
  if (start === undefined || end === undefined) {
    return graphError(
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const select = parseSelect(params.get('$select'), EVENT_PROPERTIES, 'microsoft.graph.event');
  if ('error' in select) return graphError(400, 'RequestBroker--ParseUri', select.error);
  const top = Number(params.get('$top') ?? LIST_PAGE.size);
  const skip = Number(params.get('$skip') ?? 0);
  if (!Number.isInteger(top) || top < 1 || !Number.isInteger(skip) || skip < 0)
    return graphError(400, 'ErrorInvalidParameter', '$top and $skip must be non-negative integers.');
  const size = Math.min(top, LIST_PAGE.max);
  const instances = found.record.fields.recurrence
    ? instancesInWindow(found.record, start, end).filter((i) => !i.cancelled)
    : [];
  const page = instances.slice(skip, skip + size);
  const next = new URL(req.url.href);
  next.searchParams.set('$skip', String(skip + size));
  req.itemCount = page.length;
  return json(200, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#Collection(event)`,
    ...(skip + size < instances.length
      ? { '@odata.nextLink': `${req.ctx.origin}/v1.0${req.graphPath}?${next.searchParams.toString()}` }
      : {}),
    value: page.map((i) =>
      project(instanceResource(mailbox, found.record, i, req.prefs.immutableIds), select.fields),
    ),
  });
};

export function registerCalendarRoutes(pipeline: GraphPipeline): void {
  pipeline
    .user('GET', '/calendarView/delta', calendarViewDelta)
    .user('GET', '/calendar/calendarView/delta', calendarViewDelta)
    .user('GET', '/events/{id}', getEvent)
    .user('GET', '/events/{id}/instances', listInstances);
}
