import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * A multi-row statement (an `INSERT … VALUES` of many rows, upserts included) compiled once per
 * database and row count, then run with each call's rows. Building a Kysely query makes an immutable
 * node per value and compiling walks them all, which for a thousand rows costs about as much per row
 * as the database's own work; the SQL text depends only on the number of rows, so only the values
 * change. With the SQLite statement cache (sqlite-statements.ts) the statement is prepared once too.
 * A call's rows run as pieces of power-of-two sizes (497 rows: 256 + 128 + 64 + 32 + 16 + 1), so the
 * counts that vary from page to page reuse a few compiled statements instead of each compiling and
 * preparing its own.
 *
 * `build` receives stand-in rows (one object per row, every column a stand-in) and must pass each value
 * through as a parameter of its own (`values(rows)`); anything else is refused when it is compiled.
 * The columns are those of the first row ever given; every row must have them (undefined is null).
 * A statement with RETURNING gives back the rows it returned; any other, none.
 */
export type BulkStatement<Row extends object = Record<string, unknown>> = (
  /** The database the statement is compiled for: the one a transaction was opened on. */
  compiler: Kysely<Database>,
  /** Where it runs: that database or a transaction of it. */
  runner: Kysely<Database>,
  rows: readonly Row[],
) => Promise<readonly Record<string, unknown>[]>;

interface Compiled {
  query: CompiledQuery<unknown>;
  /**
   * Per parameter: the index of its value in the rows' values (row by row, in `columns` order), or a
   * constant of the statement itself (say, `set left_at = null` on conflict).
   */
  slots: (number | { value: unknown })[];
}

/** Row counts kept compiled per database: full chunks recur on every page, and a few remainders. */
const KEPT_SIZES = 16;

export function bulkStatement<Row extends object = Record<string, unknown>>(
  build: (db: Kysely<Database>, rows: Row[]) => Compilable<unknown>,
): BulkStatement<Row> {
  const byDb = new WeakMap<Kysely<Database>, Map<number, Compiled>>();
  let columns: readonly string[] = [];

  function compile(db: Kysely<Database>, count: number): Compiled {
    const standIns = new Map<string, number>();
    const rows = Array.from({ length: count }, (_, r) =>
      Object.fromEntries(
        columns.map((column, c) => {
          const standIn = `\u0000bulk ${r} ${c}\u0000`;
          standIns.set(standIn, r * columns.length + c);
          return [column, standIn];
        }),
      ),
    );
    const query = build(db, rows as Row[]).compile();
    const slots = query.parameters.map((p) => {
      const index = typeof p === 'string' ? standIns.get(p) : undefined;
      return index ?? { value: p };
    });
    const used = new Set(slots.filter((s) => typeof s === 'number'));
    if (used.size !== standIns.size || query.sql.includes('\u0000bulk'))
      throw new Error(
        `a bulk statement must take each value of each row as a parameter: ${query.sql.slice(0, 200)}…`,
      );
    return { query, slots };
  }

  function compiled(db: Kysely<Database>, count: number): Compiled {
    let sizes = byDb.get(db);
    if (sizes === undefined) byDb.set(db, (sizes = new Map()));
    let entry = sizes.get(count);
    if (entry === undefined) {
      entry = compile(db, count);
      if (sizes.size >= KEPT_SIZES) sizes.delete(sizes.keys().next().value!);
    } else {
      sizes.delete(count);
    }
    // Most recently used last, so the least recently used is the first to go.
    sizes.set(count, entry);
    return entry;
  }

  return async (compiler, runner, rows) => {
    if (rows.length === 0) return [];
    if (columns.length === 0) columns = Object.keys(rows[0]!);
    const returned: Record<string, unknown>[] = [];
    let start = 0;
    for (let size = highestPowerOfTwo(rows.length); start < rows.length; size /= 2) {
      if (start + size > rows.length) continue;
      const { query, slots } = compiled(compiler, size);
      const values: unknown[] = [];
      for (let r = start; r < start + size; r += 1)
        for (const column of columns) values.push((rows[r] as Record<string, unknown>)[column] ?? null);
      const parameters = slots.map((s) => (typeof s === 'number' ? values[s] : s.value));
      const result = await runner.executeQuery<Record<string, unknown>>({ ...query, parameters });
      returned.push(...result.rows);
      start += size;
    }
    return returned;
  };
}

function highestPowerOfTwo(n: number): number {
  let size = 1;
  while (size * 2 <= n) size *= 2;
  return size;
}
