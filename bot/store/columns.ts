import { randomUUID } from 'node:crypto';
import type { Flag, IsoTimestamp, JsonText } from './schema.js';

/** Converters for the column representations chosen in schema.ts. */

export function nowIso(): IsoTimestamp {
  return new Date().toISOString();
}

export function toIso(date: Date | number): IsoTimestamp {
  const d = typeof date === 'number' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) throw new RangeError('toIso: invalid date');
  return d.toISOString();
}

export function newId(): string {
  return randomUUID();
}

/**
 * A UUID whose first 48 bits are the creation time in milliseconds (the UUIDv7 layout of RFC 9562),
 * for rows written in bulk: ids made together sort together, so inserting a page's rows touches a few
 * neighbouring pages of the primary-key index and of every index that leads with it, instead of a
 * random page per row. The remaining 74 bits are random.
 */
export function newTimeOrderedId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // randomUUID's text from its version digit on: "4xxx-yxxx-xxxxxxxxxxxx"; the 4 becomes a 7.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

export function toFlag(value: boolean): Flag {
  return value ? 1 : 0;
}

export function fromFlag(value: Flag): boolean {
  return value === 1;
}

export function toJsonText<T>(value: T): JsonText<T> {
  return JSON.stringify(value) as JsonText<T>;
}

export function fromJsonText<T>(text: JsonText<T>): T {
  return JSON.parse(text) as T;
}
