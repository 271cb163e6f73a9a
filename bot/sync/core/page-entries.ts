import type { DeltaEntry } from './delta-page.js';

/**
 * A page may name one id more than once (a replay inside a page, or a hostile response). Exactly one
 * entry per id is applied, picked without regard to position so that a permuted page reconciles to
 * the same ops: a live item beats a removal (it is proof the item is in the collection), a removal
 * beats an unreadable entry, and among live items the newest version wins, ties broken by content.
 */
export function latestEntryPerId<T>(
  entries: readonly DeltaEntry<T>[],
  versionOf: (item: T) => string,
): DeltaEntry<T>[] {
  const winners = new Map<string, DeltaEntry<T>>();
  for (const entry of entries) {
    const current = winners.get(entry.id);
    if (current === undefined || beats(entry, current, versionOf)) winners.set(entry.id, entry);
  }
  return [...winners.values()].sort((a, b) => compare(a.id, b.id));
}

const RANK = { item: 2, removed: 1, invalid: 0 } as const;

function beats<T>(a: DeltaEntry<T>, b: DeltaEntry<T>, versionOf: (item: T) => string): boolean {
  if (RANK[a.kind] !== RANK[b.kind]) return RANK[a.kind] > RANK[b.kind];
  if (a.kind === 'item' && b.kind === 'item') {
    const byVersion = compare(versionOf(a.item), versionOf(b.item));
    if (byVersion !== 0) return byVersion > 0;
  }
  return compare(JSON.stringify(a), JSON.stringify(b)) > 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
