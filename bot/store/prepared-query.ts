import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

/**
 * A query built and compiled once per database, then run with each call's values. Building a Kysely
 * query (immutable nodes) and compiling it to SQL cost more than running the short queries of a chat
 * turn; the SQL text is the same every time, so only the parameters change. With the SQLite statement
 * cache (sqlite-statements.ts) the statement is also prepared once.
 *
 * `build` receives stand-ins for the arguments and must use each as a plain value (`where(col, '=', x)`,
 * `values({ col: x })`): the compiled parameters are matched to the arguments by those stand-ins, and
 * a stand-in that does not come out as a parameter of its own is refused when the query is compiled.
 */
export type PreparedQuery<Args extends readonly unknown[], Row> = (
  db: Kysely<Database>,
  ...args: Args
) => Promise<QueryResult<Row>>;

type Slot = { arg: number } | { value: unknown };

const standIn = (i: number) => `\u0000prepared argument ${i}\u0000`;

export function preparedQuery<Args extends readonly unknown[], Row>(
  arity: number,
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  const compiled = new WeakMap<Kysely<Database>, { query: CompiledQuery<Row>; slots: Slot[] }>();

  function compile(db: Kysely<Database>) {
    const standIns = Array.from({ length: arity }, (_, i) => standIn(i));
    const query = build(db, ...(standIns as unknown as Args)).compile();
    const slots: Slot[] = query.parameters.map((p) => {
      const arg = typeof p === 'string' ? standIns.indexOf(p) : -1;
      return arg >= 0 ? { arg } : { value: p };
    });
    const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
    if (used.size !== arity || standIns.some((s) => query.sql.includes(s)))
      throw new Error(
        `a prepared query must use each of its ${arity} arguments as a parameter: ${query.sql}`,
      );
    const entry = { query, slots };
    compiled.set(db, entry);
    return entry;
  }

  return async (db, ...args) => {
    const { query, slots } = compiled.get(db) ?? compile(db);
    const parameters = slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    return db.executeQuery<Row>({ ...query, parameters });
  };
}
