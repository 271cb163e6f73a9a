/**
 * What every delta page builder returns, and the two delta-round faults that apply to any of them:
 * replayed items (the next page starts a few items back) and empty pages.
 */
export interface BuiltPage<P> {
  items: object[];
  /** Position after each item; resuming from positions[i] continues with the item after i. */
  positions: P[];
  /** Position to resume from, when the round has more pages. */
  next?: P;
}

export interface PageFaults {
  replayItems: number;
}

/** Moves `next` back so the last `replayItems` items come again, when that still makes progress. */
export function withReplay<P>(page: BuiltPage<P>, start: P, faults: PageFaults): BuiltPage<P> {
  const n = faults.replayItems;
  if (!page.next || n <= 0 || page.items.length <= n) return page;
  const resume = page.positions[page.items.length - n - 1]!;
  if (JSON.stringify(resume) === JSON.stringify(start)) return page;
  return { ...page, next: resume };
}
