/** Counts of one fuzz target; a few examples of each failure kind, for the person reading it. */
export interface FuzzTally {
  cases: number;
  crashes: number;
  unexpectedStateChanges: number;
  examples: string[];
  /** What the target answered (HTTP status or outcome), to show the cases reached past the front door. */
  outcomes: Record<string, number>;
}

export function newTally(): FuzzTally {
  return { cases: 0, crashes: 0, unexpectedStateChanges: 0, examples: [], outcomes: {} };
}

export function outcome(tally: FuzzTally, what: string | number): void {
  tally.outcomes[what] = (tally.outcomes[what] ?? 0) + 1;
}

export function note(tally: FuzzTally, kind: 'crash' | 'state', example: string): void {
  if (kind === 'crash') tally.crashes += 1;
  else tally.unexpectedStateChanges += 1;
  // A few of each kind, so that frequent crashes do not hide a rarer unexpected change.
  const prefix = `${kind}: `;
  if (tally.examples.filter((e) => e.startsWith(prefix)).length < 3)
    tally.examples.push(`${prefix}${example.slice(0, 300)}`);
}

export function sum(tallies: readonly FuzzTally[]): FuzzTally {
  const total = newTally();
  for (const t of tallies) {
    total.cases += t.cases;
    total.crashes += t.crashes;
    total.unexpectedStateChanges += t.unexpectedStateChanges;
    total.examples.push(...t.examples);
  }
  return total;
}

/** A stable digest of rows, to tell whether a request changed anything. */
export function digest(rows: unknown): string {
  return JSON.stringify(rows);
}
