/**
 * Recognises a unique-key violation from either driver, so callers can turn "already exists" into a
 * domain answer instead of a crash. better-sqlite3 reports SQLITE_CONSTRAINT_UNIQUE or
 * SQLITE_CONSTRAINT_PRIMARYKEY; PostgreSQL reports SQLSTATE 23505.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A CHECK constraint rejected a value (SQLSTATE 23514 on PostgreSQL). */
export function isCheckViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK';
}
