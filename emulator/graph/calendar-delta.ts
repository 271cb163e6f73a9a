import type { EventRecord } from './calendar-store.js';
import { withReplay, type BuiltPage } from './delta-page.js';
import type { CalendarDeltaState } from './delta-token.js';
import { instanceId, instanceResource, instancesInWindow } from './event-view.js';
import type { Mailbox } from './mailbox.js';
import type { DeltaOptions, DeltaResult } from './message-delta.js';
import { removedResource } from './message-view.js';
import { project } from './select.js';

/**
 * calendarView delta: the instances (single events, occurrences, exceptions) overlapping a window.
 * Incremental rounds diff each changed event's instances against the event as the client last saw it,
 * so a cancelled occurrence, a shortened series or a deleted meeting each come as @removed.
 */
export function initialCalendarState(
  mailbox: Mailbox,
  windowStart: number,
  windowEnd: number,
  select: string[] | null,
): CalendarDeltaState {
  return {
    k: 'c',
    u: mailbox.userId,
    e: mailbox.epoch,
    mode: 'init',
    cur: mailbox.sequence.current,
    upTo: null,
    sel: select,
    ws: windowStart,
    we: windowEnd,
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

function initialPage(
  mailbox: Mailbox,
  state: CalendarDeltaState,
  options: DeltaOptions,
): BuiltPage<[number, number]> {
  const [afterKey, afterSlot] = state.pos;
  const items: object[] = [];
  const positions: [number, number][] = [];
  for (const record of mailbox.calendar.all()) {
    if (record.key < afterKey) continue;
    for (const instance of instancesInWindow(record, state.ws, state.we)) {
      if (instance.cancelled) continue;
      if (record.key === afterKey && instance.slotMs <= afterSlot) continue;
      if (items.length >= options.pageSize) return { items, positions, next: positions.at(-1)! };
      items.push(project(instanceResource(mailbox, record, instance, options.immutable), state.sel));
      positions.push([record.key, instance.slotMs]);
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
  if (current) {
    for (const instance of instancesInWindow(current, state.ws, state.we)) {
      if (instance.cancelled) continue;
      live.add(instanceId(mailbox, current, instance, options.immutable));
      out.push(project(instanceResource(mailbox, current, instance, options.immutable), state.sel));
    }
  }
  // What the client saw (the event as it was at its cursor) and is no longer there: a cancelled or
  // dropped occurrence, or the whole event.
  if (before) {
    for (const instance of instancesInWindow(before, state.ws, state.we)) {
      if (!instance.cancelled) gone.add(instanceId(mailbox, before, instance, options.immutable));
    }
  }
  for (const id of gone) if (!live.has(id)) out.push(removedResource('event', id, 'deleted'));
  return out;
}
