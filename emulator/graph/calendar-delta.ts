import type { EventRecord } from './calendar-store.js';
import { withReplay, type BuiltPage } from './delta-page.js';
import type { CalendarDeltaState } from './delta-token.js';
import {
  eventResource,
  instanceId,
  instanceResource,
  instancesInWindow,
  type EventResource,
  type Instance,
} from './event-view.js';
import type { Mailbox } from './mailbox.js';
import type { DeltaOptions, DeltaResult } from './message-delta.js';
import { removedResource } from './message-view.js';
import { project } from './select.js';

/**
 * calendarView delta: the instances (single events, occurrences, exceptions) overlapping a window, as
 * real Graph sends them (sources in emulator/graph/README.md, "calendarView delta"):
 *
 * - an `occurrence` is stripped to @odata.type, @odata.etag, id, seriesMasterId, type, start and end
 *   (microsoftgraph/microsoft-graph-docs-contrib#5602 and #34); exceptions and single events are full;
 * - series masters are listed or not, and a cancelled occurrence comes as @removed or not, per the
 *   mailbox's `calendarDelta` setting (calendar-delta-behaviour.ts);
 * - an incremental round reports an event that changed wholly outside the window (added, updated or
 *   deleted there) as `@removed` with reason `deleted`, as the "event: delta" page documents; clients
 *   are told to filter those by date.
 *
 * Incremental rounds diff each changed event's instances against the event as the client last saw it,
 * so a shortened series or a deleted meeting come as @removed.
 */
export function initialCalendarState(
  mailbox: Mailbox,
  windowStart: number,
  windowEnd: number,
  select: string[] | null,
): CalendarDeltaState {
  return {
    kind: 'events',
    userId: mailbox.userId,
    epoch: mailbox.epoch,
    mode: 'init',
    cur: mailbox.sequence.current,
    upTo: null,
    select,
    windowStart,
    windowEnd,
    pos: [0, 0],
  };
}

export function calendarDeltaPage(
  mailbox: Mailbox,
  state: CalendarDeltaState,
  options: DeltaOptions,
): DeltaResult<CalendarDeltaState> {
  if (state.mode === 'init') {
    const page = withReplay(initialPage(mailbox, state, options), state.pos, options);
    if (page.next === undefined) {
      return { value: page.items, delta: { ...state, mode: 'inc', upTo: null, pos: [state.cur, 0] } };
    }
    return { value: page.items, next: { ...state, pos: page.next } };
  }
  const upTo = state.upTo ?? mailbox.sequence.current;
  const page = withReplay(changesPage(mailbox, state, upTo, options), state.pos, options);
  if (page.next === undefined) {
    return { value: page.items, delta: { ...state, cur: upTo, upTo: null, pos: [upTo, 0] } };
  }
  return { value: page.items, next: { ...state, upTo, pos: page.next } };
}

/** Slot position of a series master in an initial round: before any occurrence of its series. */
const MASTER_SLOT = -1;

function initialPage(
  mailbox: Mailbox,
  state: CalendarDeltaState,
  options: DeltaOptions,
): BuiltPage<[number, number]> {
  const [afterKey, afterSlot] = state.pos;
  const items: object[] = [];
  const positions: [number, number][] = [];
  const listMasters = mailbox.calendarDelta.seriesMasters === 'listed';
  for (const record of mailbox.calendar.all()) {
    if (record.key < afterKey) continue;
    const instances = instancesInWindow(record, state.windowStart, state.windowEnd).filter(
      (i) => !i.cancelled,
    );
    const emitted: { slot: number; item: object }[] = [];
    if (listMasters && record.fields.recurrence && instances.length > 0) {
      emitted.push({ slot: MASTER_SLOT, item: eventResource(mailbox, record, options.immutable) });
    }
    for (const instance of instances) {
      emitted.push({ slot: instance.slotMs, item: deltaInstance(mailbox, record, instance, options) });
    }
    for (const { slot, item } of emitted) {
      if (record.key === afterKey && slot <= afterSlot) continue;
      if (items.length >= options.pageSize) return { items, positions, next: positions.at(-1)! };
      items.push(project(item, state.select));
      positions.push([record.key, slot]);
    }
  }
  return { items, positions };
}

function changesPage(
  mailbox: Mailbox,
  state: CalendarDeltaState,
  upTo: number,
  options: DeltaOptions,
): BuiltPage<[number, number]> {
  const items: object[] = [];
  const positions: [number, number][] = [];
  for (const entry of mailbox.calendar.log.firstChangesSince(state.cur, state.pos[0], upTo)) {
    if (items.length >= options.pageSize) return { items, positions, next: positions.at(-1)! };
    const emitted = changeItems(mailbox, entry.info.before, mailbox.calendar.get(entry.key), state, options);
    emitted.forEach((item, j) => {
      items.push(item);
      // Resuming before the entry's last item replays the whole entry, which is allowed.
      positions.push([j === emitted.length - 1 ? entry.seq : entry.seq - 1, 0]);
    });
  }
  return { items, positions };
}

function changeItems(
  mailbox: Mailbox,
  before: EventRecord | undefined,
  current: EventRecord | undefined,
  state: CalendarDeltaState,
  options: DeltaOptions,
): object[] {
  const out: object[] = [];
  const live = new Set<string>();
  const gone = new Set<string>();
  const nowInWindow = current ? instancesInWindow(current, state.windowStart, state.windowEnd) : [];
  const wasInWindow = before ? instancesInWindow(before, state.windowStart, state.windowEnd) : [];
  const record = current ?? before!;
  if (nowInWindow.length === 0 && wasInWindow.length === 0) {
    // Changed wholly outside the window: reported, by the event's (or series master's) id, as removed.
    const ids = mailbox.calendar.ids(record);
    return [removedResource('event', options.immutable ? ids.immutable : ids.regular, 'deleted')];
  }
  const visible = nowInWindow.filter((i) => !i.cancelled);
  if (
    current &&
    current.fields.recurrence &&
    visible.length > 0 &&
    mailbox.calendarDelta.seriesMasters === 'listed'
  ) {
    out.push(project(eventResource(mailbox, current, options.immutable), state.select));
  }
  for (const instance of visible) {
    live.add(instanceId(mailbox, current!, instance, options.immutable));
    out.push(project(deltaInstance(mailbox, current!, instance, options), state.select));
  }
  // What the client saw (the event as it was at its cursor) and is no longer there: a cancelled or
  // dropped occurrence, or the whole event.
  const silentCancels = mailbox.calendarDelta.cancelledOccurrences === 'omitted';
  const cancelledNow = new Set(current?.cancelled ?? []);
  for (const instance of wasInWindow) {
    if (instance.cancelled) continue;
    // A series that still exists and only lost this occurrence to a cancellation: not reported.
    if (silentCancels && current && cancelledNow.has(instance.slotMs)) continue;
    gone.add(instanceId(mailbox, before!, instance, options.immutable));
  }
  for (const id of gone) if (!live.has(id)) out.push(removedResource('event', id, 'deleted'));
  return out;
}

/** An instance as calendarView delta sends it: occurrences stripped, exceptions and single events full. */
function deltaInstance(
  mailbox: Mailbox,
  record: EventRecord,
  instance: Instance,
  options: DeltaOptions,
): EventResource {
  const full = instanceResource(mailbox, record, instance, options.immutable);
  if (instance.type !== 'occurrence') return full;
  return {
    '@odata.type': full['@odata.type'],
    '@odata.etag': full['@odata.etag'],
    id: full.id,
    seriesMasterId: full.seriesMasterId,
    type: full.type,
    start: full.start,
    end: full.end,
  };
}
