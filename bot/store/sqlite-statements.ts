import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query afresh, and preparing (parsing and planning the SQL) cost
 * as much as running the short queries of a bot turn. This keeps the most recently used prepared
 * statements by their SQL text. Reuse is safe: Kysely runs one query at a time on the connection,
 * parameters are bound at each run, and SQLite re-prepares a statement by itself after a schema change.
 */
export function cachingStatements(database: SqliteDatabase, max = 500): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last, so the least recently used is the first to go.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
