import type { Event } from '@microsoft/microsoft-graph-types';
import { ChangeLog } from './change-log.js';
import { decodeId, encodeId } from './ids.js';
import { validateRecurrence } from './recurrence.js';
import type { ChangeSink, ItemIds, Sequence } from './sequence.js';

/** The parts of an event its content defines; ids, times and instance data belong to the store. */
export type EventFields = Omit<
  Event,
  | 'id'
  | 'changeKey'
  | 'createdDateTime'
  | 'lastModifiedDateTime'
  | 'start'
  | 'end'
  | 'type'
  | 'seriesMasterId'
  | 'originalStart'
  | 'iCalUId'
  | 'cancelledOccurrences'
  | 'instances'
  | 'exceptionOccurrences'
>;

/** What an exception changes in one occurrence of a series. */
export interface ExceptionOverride {
  subject?: string;
  startMs?: number;
  endMs?: number;
  location?: string;
}

/** A single event or a series master. Replaced, never mutated, so change logs can keep old versions. */
export interface EventRecord {
  readonly key: number;
  readonly version: number;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
  readonly iCalUId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly fields: Readonly<EventFields>;
  /** Original starts (epoch ms) of cancelled occurrences. */
  readonly cancelled: readonly number[];
  readonly exceptions: ReadonlyMap<number, ExceptionOverride>;
  /** Single-value extended properties by their property id; shown only when `$expand`ed. */
  readonly extendedProperties: ReadonlyMap<string, string>;
  /** The client's create-once key ("transactionId"), fixed at creation. */
  readonly transactionId?: string;
}

export interface EventInput {
  startMs: number;
  endMs: number;
  fields: EventFields;
  cancelled?: readonly number[];
  exceptions?: ReadonlyMap<number, ExceptionOverride>;
  /** A meeting's copies in several calendars share it; generated when absent. */
  iCalUId?: string;
  extendedProperties?: ReadonlyMap<string, string>;
  transactionId?: string;
}

/** The calendar log remembers each event as it was before the change, to diff its occurrences. */
export interface CalendarChange {
  before?: EventRecord;
}

export interface ResolvedEvent {
  record: EventRecord;
  /** Set when the id named one occurrence of a series. */
  occurrenceStartMs?: number;
}

export class CalendarStore {
  private readonly records = new Map<number, EventRecord>();
  readonly log = new ChangeLog<CalendarChange>();

  constructor(
    private readonly tag: string,
    private readonly sequence: Sequence,
    private readonly sink: ChangeSink,
  ) {}

  get size(): number {
    return this.records.size;
  }

  ids(record: EventRecord): ItemIds {
    return {
      regular: encodeId('event', false, this.tag, record.key),
      immutable: encodeId('event', true, this.tag, record.key),
    };
  }

  occurrenceIds(record: EventRecord, originalStartMs: number): ItemIds {
    return {
      regular: encodeId('occurrence', false, this.tag, record.key, originalStartMs),
      immutable: encodeId('occurrence', true, this.tag, record.key, originalStartMs),
    };
  }

  get(key: number): EventRecord | undefined {
    return this.records.get(key);
  }

  find(id: string): ResolvedEvent | undefined {
    const decoded = decodeId(id);
    if (!decoded || decoded.tag !== this.tag) return undefined;
    if (decoded.kind !== 'event' && decoded.kind !== 'occurrence') return undefined;
    const record = this.records.get(decoded.key);
    if (!record) return undefined;
    return decoded.kind === 'event' ? { record } : { record, occurrenceStartMs: decoded.extra };
  }

  /** All events in creation order, which is the order of an initial calendarView delta round. */
  all(): IterableIterator<EventRecord> {
    return this.records.values();
  }

  add(input: EventInput, nowMs: number): EventRecord {
    checkTimes(input.startMs, input.endMs, input.fields);
    const key = this.sequence.nextKey();
    const at = new Date(nowMs).toISOString();
    const record: EventRecord = {
      key,
      version: 1,
      createdDateTime: at,
      lastModifiedDateTime: at,
      iCalUId:
        input.iCalUId ??
        `040000008200E00074C5B7101A82E008${Buffer.from(`${this.tag}${key}`).toString('hex').toUpperCase()}`,
      startMs: input.startMs,
      endMs: input.endMs,
      fields: anchorRecurrence(input.fields, input.startMs),
      cancelled: input.cancelled ?? [],
      exceptions: input.exceptions ?? new Map(),
      extendedProperties: input.extendedProperties ?? new Map(),
      ...(input.transactionId !== undefined ? { transactionId: input.transactionId } : {}),
    };
    this.records.set(key, record);
    this.record(record, undefined, 'created');
    return record;
  }

  /** The event created with this transactionId, if any. */
  findByTransactionId(transactionId: string): EventRecord | undefined {
    for (const record of this.records.values()) if (record.transactionId === transactionId) return record;
    return undefined;
  }

  update(
    key: number,
    patch: {
      fields?: Partial<EventFields>;
      startMs?: number;
      endMs?: number;
      extendedProperties?: ReadonlyMap<string, string>;
    },
    nowMs: number,
  ): EventRecord {
    const old = this.require(key);
    const startMs = patch.startMs ?? old.startMs;
    const endMs =
      patch.endMs ?? (patch.startMs !== undefined ? startMs + (old.endMs - old.startMs) : old.endMs);
    const fields = anchorRecurrence({ ...old.fields, ...patch.fields }, startMs);
    checkTimes(startMs, endMs, fields);
    const extendedProperties = patch.extendedProperties
      ? new Map([...old.extendedProperties, ...patch.extendedProperties])
      : old.extendedProperties;
    return this.replace(old, { startMs, endMs, fields, extendedProperties }, nowMs);
  }

  cancelOccurrence(key: number, originalStartMs: number, nowMs: number): EventRecord {
    const old = this.require(key);
    if (!old.fields.recurrence) throw new Error('only occurrences of a series can be cancelled one by one');
    if (old.cancelled.includes(originalStartMs)) return old;
    return this.replace(old, { cancelled: [...old.cancelled, originalStartMs] }, nowMs);
  }

  setException(
    key: number,
    originalStartMs: number,
    override: ExceptionOverride,
    nowMs: number,
  ): EventRecord {
    const old = this.require(key);
    if (!old.fields.recurrence) throw new Error('exceptions belong to a series');
    const exceptions = new Map(old.exceptions);
    exceptions.set(originalStartMs, { ...old.exceptions.get(originalStartMs), ...override });
    return this.replace(old, { exceptions }, nowMs);
  }

  delete(key: number): EventRecord {
    const old = this.require(key);
    this.records.delete(key);
    this.record(old, old, 'deleted');
    return old;
  }

  private replace(old: EventRecord, changes: Partial<EventRecord>, nowMs: number): EventRecord {
    const record: EventRecord = {
      ...old,
      ...changes,
      version: old.version + 1,
      lastModifiedDateTime: new Date(nowMs).toISOString(),
    };
    this.records.set(old.key, record);
    this.record(record, old, 'updated');
    return record;
  }

  private record(
    record: EventRecord,
    before: EventRecord | undefined,
    changeType: 'created' | 'updated' | 'deleted',
  ) {
    this.log.append(this.sequence.next(), record.key, { before });
    this.sink({ kind: 'event', changeType, ids: this.ids(record), version: record.version });
  }

  private require(key: number): EventRecord {
    const record = this.records.get(key);
    if (!record) throw new Error(`no event with key ${key}`);
    return record;
  }
}

function checkTimes(startMs: number, endMs: number, fields: EventFields): void {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    throw new Error('an event must end after it starts');
  }
  if (fields.recurrence) {
    const problem = validateRecurrence(fields.recurrence);
    if (problem) throw new Error(problem);
  }
}

/** A series starts on its master's start date, whatever the caller put in range.startDate. */
function anchorRecurrence(fields: EventFields, startMs: number): EventFields {
  if (!fields.recurrence?.range) return fields;
  const startDate = new Date(startMs).toISOString().slice(0, 10);
  return {
    ...fields,
    recurrence: { ...fields.recurrence, range: { ...fields.recurrence.range, startDate } },
  };
}
