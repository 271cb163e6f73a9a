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
