import { withReplay, type BuiltPage } from './delta-page.js';
import type { MessageDeltaState } from './delta-token.js';
import type { Mailbox } from './mailbox.js';
import { firstIndexAfter, type MessageRecord } from './message-store.js';
import { messageResource, removedResource } from './message-view.js';
import type { FolderKey } from './seed-schema.js';
import { project } from './select.js';

/**
 * Per-folder message delta. An initial round lists the folder's messages in key order; once it ends,
 * the delta link's cursor is the change sequence at the round's start, so anything that changed while
 * the client paged comes again in the next round (a harmless replay, never a loss).
 *
 * "Applying $filter in a delta query returns only up to 5,000 messages" (Microsoft Graph docs, "Get
 * incremental changes to messages in a folder", query parameters): a filtered initial round ends with
 * its deltaLink after the first 5,000 matches in its enumeration order. Graph does not say which 5,000,
 * so a client must not rely on the choice; later rounds report changes as for any round.
 */
export const FILTERED_DELTA_CAP = 5000;

export interface MessageDeltaQuery {
  select: string[] | null;
  /** receivedDateTime lower bound (epoch ms), inclusive for `ge`. */
  since: number | null;
  inclusive: boolean;
  expandSensitivity: boolean;
}

export interface DeltaOptions {
  pageSize: number;
  immutable: boolean;
  replayItems: number;
}

export interface DeltaResult<S> {
  value: object[];
  /** State for @odata.nextLink; absent on the last page of a round. */
  next?: S;
  /** State for @odata.deltaLink on the last page. */
  delta?: S;
}

export function initialMessageState(
  mailbox: Mailbox,
  folder: FolderKey,
  q: MessageDeltaQuery,
): MessageDeltaState {
  return {
    cap: q.since === null ? null : capKey(mailbox, folder, q),
    kind: 'messages',
    userId: mailbox.userId,
    epoch: mailbox.epoch,
    mode: 'init',
    cur: mailbox.sequence.current,
    upTo: null,
    select: q.select,
    folder,
    since: q.since,
    sinceInclusive: q.inclusive,
    expandSensitivity: q.expandSensitivity,
    pos: 0,
  };
}

export function messageDeltaPage(
  mailbox: Mailbox,
  state: MessageDeltaState,
  options: DeltaOptions,
): DeltaResult<MessageDeltaState> {
  const matches = (r: MessageRecord): boolean => receivedSince(r, state.since, state.sinceInclusive);
  const render = (r: MessageRecord): object =>
    project(messageResource(mailbox, r, options.immutable, state.expandSensitivity), state.select);

  if (state.mode === 'init') {
    const page = withReplay(
      initialPage(mailbox, state, options.pageSize, matches, render),
      state.pos,
      options,
    );
    if (page.next === undefined) {
      return { value: page.items, delta: { ...state, mode: 'inc', upTo: null, pos: state.cur } };
    }
    return { value: page.items, next: { ...state, pos: page.next } };
  }

  const upTo = state.upTo ?? mailbox.sequence.current;
  const page = withReplay(changesPage(mailbox, state, upTo, options, matches, render), state.pos, options);
  if (page.next === undefined)
    return { value: page.items, delta: { ...state, cur: upTo, upTo: null, pos: upTo } };
  return { value: page.items, next: { ...state, upTo, pos: page.next } };
}

/** The key of the filter's 5,000th match, fixed when the round starts; null when fewer match. */
function capKey(mailbox: Mailbox, folder: FolderKey, q: MessageDeltaQuery): number | null {
  let matched = 0;
  for (const key of mailbox.messages.keysIn(folder)) {
    if (!receivedSince(mailbox.messages.get(key)!, q.since, q.inclusive)) continue;
    matched += 1;
    if (matched === FILTERED_DELTA_CAP) return key;
  }
  return null;
}

function receivedSince(r: MessageRecord, since: number | null, inclusive: boolean): boolean {
  if (since === null) return true;
  const received = Date.parse(r.fields.receivedDateTime ?? '');
  return inclusive ? received >= since : received > since;
}

function initialPage(
  mailbox: Mailbox,
  state: MessageDeltaState,
  pageSize: number,
  matches: (r: MessageRecord) => boolean,
  render: (r: MessageRecord) => object,
): BuiltPage<number> {
  const all = mailbox.messages.keysIn(state.folder);
  // A capped round ends after its last listable key, as if the folder ended there.
  const keys = state.cap === null ? all : all.slice(0, firstIndexAfter(all, state.cap));
  const items: object[] = [];
  const positions: number[] = [];
  let i = firstIndexAfter(keys, state.pos);
  for (; i < keys.length && items.length < pageSize; i++) {
    const record = mailbox.messages.get(keys[i]!)!;
    if (!matches(record)) continue;
    items.push(render(record));
    positions.push(record.key);
  }
  const more = i < keys.length;
  return { items, positions, ...(more ? { next: keys[i - 1]! } : {}) };
}

function changesPage(
  mailbox: Mailbox,
  state: MessageDeltaState,
  upTo: number,
  options: DeltaOptions,
  matches: (r: MessageRecord) => boolean,
  render: (r: MessageRecord) => object,
): BuiltPage<number> {
  const items: object[] = [];
  const positions: number[] = [];
  for (const entry of mailbox.messages.log(state.folder).firstChangesSince(state.cur, state.pos, upTo)) {
    if (items.length >= options.pageSize) return { items, positions, next: positions.at(-1)! };
    const emitted = changeItems(
      mailbox,
      state.folder,
      entry.key,
      entry.info.regularId,
      options.immutable,
      matches,
    ).filter((item) => item !== 'skip');
    emitted.forEach((item, j) => {
      items.push(item === 'render' ? render(mailbox.messages.get(entry.key)!) : item);
      // Resuming before the entry's last item replays the whole entry, which is allowed.
      positions.push(j === emitted.length - 1 ? entry.seq : entry.seq - 1);
    });
  }
  return { items, positions };
}

/** What one change means for the folder: the message itself, or @removed under the id the client knows. */
function changeItems(
  box: Mailbox,
  folder: FolderKey,
  key: number,
  knownRegularId: string,
  immutable: boolean,
  matches: (r: MessageRecord) => boolean,
): (object | 'render' | 'skip')[] {
  const record = box.messages.get(key);
  const knownId = immutable ? box.messages.immutableId(key) : knownRegularId;
  if (!record) return [removedResource('message', knownId, 'deleted')];
  if (record.folder !== folder) return [removedResource('message', knownId, 'changed')];
  const current = matches(record) ? 'render' : 'skip';
  // Moved out and back: the client knows the message under an id that no longer resolves.
  if (!immutable && knownId !== box.messages.ids(record).regular) {
    return [removedResource('message', knownId, 'changed'), current];
  }
  return [current];
}
