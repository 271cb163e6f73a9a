/**
 * An append-only log of changes to one collection (a mail folder or the calendar). Each entry remembers
 * the sequence of the previous change to the same item in this collection, so a delta round can report
 * an item exactly once however often it changed: at its first change after the client's cursor.
 */
export interface ChangeEntry<T> {
  seq: number;
  key: number;
  /** Sequence of this item's previous entry in this log, 0 when none. */
  prevSeq: number;
  info: T;
}

export class ChangeLog<T> {
  private readonly entries: ChangeEntry<T>[] = [];
  private readonly lastSeqByKey = new Map<number, number>();

  append(seq: number, key: number, info: T): void {
    const last = this.entries.at(-1);
    if (last && seq <= last.seq) throw new Error('change sequence must increase');
    this.entries.push({ seq, key, prevSeq: this.lastSeqByKey.get(key) ?? 0, info });
    this.lastSeqByKey.set(key, seq);
  }

  /**
   * Entries with `after < seq <= upTo` that are the first change to their item since `cursor`, in
   * sequence order; the caller stops iterating when its page is full.
   */
  *firstChangesSince(cursor: number, after: number, upTo: number): Generator<ChangeEntry<T>> {
    for (let i = this.indexAfter(after); i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.seq > upTo) return;
      if (entry.prevSeq <= cursor) yield entry;
    }
  }

  private indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
