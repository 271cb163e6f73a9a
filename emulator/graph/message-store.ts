import type { Message } from '@microsoft/microsoft-graph-types';
import { ChangeLog } from './change-log.js';
import { decodeId, encodeId } from './ids.js';
import type { FolderKey, SensitivityName } from './seed-schema.js';
import type { ChangeSink, ItemIds, Sequence } from './sequence.js';

/** The parts of a message that its content defines; ids, folder and timestamps belong to the store. */
export type MessageFields = Omit<
  Message,
  'id' | 'parentFolderId' | 'changeKey' | 'createdDateTime' | 'lastModifiedDateTime'
>;

/** One stored message. Records are replaced, never mutated, so a reader's copy stays consistent. */
export interface MessageRecord {
  readonly key: number;
  readonly folder: FolderKey;
  /** Bumped on every move: the regular id embeds it. */
  readonly generation: number;
  readonly version: number;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
  readonly sensitivity: SensitivityName;
  readonly fields: Readonly<MessageFields>;
}

/** What a folder's change log remembers: the regular id the item had in that folder. */
export interface FolderChange {
  regularId: string;
}

export class MessageStore {
  private readonly records = new Map<number, MessageRecord>();
  /** Keys per folder, ascending, which is the order of an initial delta round. */
  private readonly folderKeys = new Map<FolderKey, number[]>();
  private readonly logs = new Map<FolderKey, ChangeLog<FolderChange>>();

  constructor(
    private readonly tag: string,
    private readonly sequence: Sequence,
    private readonly sink: ChangeSink,
  ) {}

  get size(): number {
    return this.records.size;
  }

  ids(record: MessageRecord): ItemIds {
    return {
      regular: encodeId('message', false, this.tag, record.key, record.generation),
      immutable: this.immutableId(record.key),
    };
  }

  immutableId(key: number): string {
    return encodeId('message', true, this.tag, key);
  }

  get(key: number): MessageRecord | undefined {
    return this.records.get(key);
  }

  /** Resolves a regular or immutable id; a regular id from before a move no longer resolves. */
  find(id: string): MessageRecord | undefined {
    const decoded = decodeId(id);
    if (!decoded || decoded.kind !== 'message' || decoded.tag !== this.tag) return undefined;
    const record = this.records.get(decoded.key);
    if (!record) return undefined;
    if (!decoded.immutable && decoded.extra !== record.generation) return undefined;
    return record;
  }

  keysIn(folder: FolderKey): readonly number[] {
    return this.keysOf(folder);
  }

  /** A folder's change log, begun the first time anything asks for it (an empty folder has no changes). */
  log(folder: FolderKey): ChangeLog<FolderChange> {
    let log = this.logs.get(folder);
    if (!log) this.logs.set(folder, (log = new ChangeLog()));
    return log;
  }

  private keysOf(folder: FolderKey): number[] {
    let keys = this.folderKeys.get(folder);
    if (!keys) this.folderKeys.set(folder, (keys = []));
    return keys;
  }

  all(): IterableIterator<MessageRecord> {
    return this.records.values();
  }

  add(folder: FolderKey, fields: MessageFields, sensitivity: SensitivityName, nowMs: number): MessageRecord {
    const key = this.sequence.nextKey();
    const at = new Date(nowMs).toISOString();
    const record: MessageRecord = {
      key,
      folder,
      generation: 0,
      version: 1,
      createdDateTime: at,
      lastModifiedDateTime: at,
      sensitivity,
      fields,
    };
    this.records.set(key, record);
    insertSorted(this.keysOf(folder), key);
    this.record(folder, record, 'created');
    return record;
  }

  update(
    key: number,
    patch: Partial<MessageFields>,
    sensitivity: SensitivityName | undefined,
    nowMs: number,
  ) {
    const old = this.require(key);
    const record: MessageRecord = {
      ...old,
      version: old.version + 1,
      lastModifiedDateTime: new Date(nowMs).toISOString(),
      sensitivity: sensitivity ?? old.sensitivity,
      fields: { ...old.fields, ...patch },
    };
    this.records.set(key, record);
    this.record(record.folder, record, 'updated');
    return record;
  }

  move(key: number, folder: FolderKey, nowMs: number): MessageRecord {
    const old = this.require(key);
    if (old.folder === folder) return old;
    const oldIds = this.ids(old);
    const record: MessageRecord = {
      ...old,
      folder,
      generation: old.generation + 1,
      version: old.version + 1,
      lastModifiedDateTime: new Date(nowMs).toISOString(),
    };
    this.records.set(key, record);
    removeSorted(this.keysOf(old.folder), key);
    insertSorted(this.keysOf(folder), key);
    const seq = this.sequence.next();
    this.log(old.folder).append(seq, key, { regularId: oldIds.regular });
    this.sink({
      kind: 'message',
      changeType: 'deleted',
      folder: old.folder,
      ids: oldIds,
      version: old.version,
    });
    const seq2 = this.sequence.next();
    const newIds = this.ids(record);
    this.log(folder).append(seq2, key, { regularId: newIds.regular });
    this.sink({ kind: 'message', changeType: 'created', folder, ids: newIds, version: record.version });
    return record;
  }

  delete(key: number): MessageRecord {
    const old = this.require(key);
    this.records.delete(key);
    removeSorted(this.keysOf(old.folder), key);
    this.record(old.folder, old, 'deleted');
    return old;
  }

  private record(folder: FolderKey, record: MessageRecord, changeType: 'created' | 'updated' | 'deleted') {
    const ids = this.ids(record);
    this.log(folder).append(this.sequence.next(), record.key, { regularId: ids.regular });
    this.sink({ kind: 'message', changeType, folder, ids, version: record.version });
  }

  private require(key: number): MessageRecord {
    const record = this.records.get(key);
    if (!record) throw new Error(`no message with key ${key}`);
    return record;
  }
}

function indexOf(keys: number[], key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(keys: number[], key: number): void {
  if (keys.length === 0 || keys[keys.length - 1]! < key) keys.push(key);
  else keys.splice(indexOf(keys, key), 0, key);
}

function removeSorted(keys: number[], key: number): void {
  const i = indexOf(keys, key);
  if (keys[i] === key) keys.splice(i, 1);
}

/** Index of the first key greater than `after` in an ascending key list. */
export function firstIndexAfter(keys: readonly number[], after: number): number {
  return indexOf(keys as number[], after + 1);
}
