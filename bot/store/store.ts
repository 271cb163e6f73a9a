import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { Logger } from '../logging/logger.js';
import { migrationProvider } from './migrations/index.js';
import { cachingStatements } from './sqlite-statements.js';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** SQLite file (its folder is created) or ':memory:'. Used when no databaseUrl is given. */
  sqlitePath?: string;
  /** A postgres:// URL; when set, PostgreSQL is used instead of SQLite. */
  databaseUrl?: string;
  logger?: Logger;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * Called for every statement a PostgreSQL connection sends (transaction control included), so a
   * benchmark can count what a unit of work costs the database.
   */
  onStatement?: () => void;
  /**
   * The password of each new PostgreSQL connection, asked for afresh every time (an Entra access
   * token, see entra-password.ts); the URL then carries none.
   */
  databasePassword?: () => Promise<string>;
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Brings the schema to the latest version; returns the names of the migrations it applied. */
  migrate(): Promise<string[]>;
  /** Resolves when the database answers a query; rejects once the store is closed. */
  ping(): Promise<void>;
  /** Closes the connections; safe to call twice. */
  close(): Promise<void>;
}

export class StoreMigrationError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    options: { cause: unknown },
  ) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Database migration ${migrationName ?? '(setup)'} failed: ${detail}`, options);
    this.name = 'StoreMigrationError';
  }
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PG_INT8_OID = 20;

export function createStore(options: StoreOptions): Store {
  const dialect: StoreDialect = options.databaseUrl ? 'postgres' : 'sqlite';
  const db =
    dialect === 'postgres'
      ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(options) }) })
      : new Kysely<Database>({
          dialect: new SqliteDialect({ database: cachingStatements(openSqlite(options)) }),
        });
  const migrator = new Migrator({ db, provider: migrationProvider });
  let closed = false;

  async function runMigrations(): Promise<string[]> {
    const { error, results = [] } = await migrator.migrateToLatest();
    if (error)
      throw new StoreMigrationError(results.find((r) => r.status === 'Error')?.migrationName, {
        cause: error,
      });
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  return {
    db,
    dialect,
    async migrate() {
      // Kysely runs PostgreSQL migrations in one transaction under an advisory lock. SQLite gets the
      // same guarantees from an immediate (write-locking) transaction: another process waits for it, and
      // a failed migration leaves no half-built schema behind.
      if (dialect === 'sqlite') await sql`begin immediate`.execute(db);
      let applied: string[];
      try {
        applied = await runMigrations();
      } catch (err) {
        if (dialect === 'sqlite') await sql`rollback`.execute(db);
        throw err;
      }
      if (dialect === 'sqlite') await sql`commit`.execute(db);
      for (const name of applied)
        options.logger?.info({ migration: name, dialect }, 'database migration applied');
      return applied;
    },
    async ping() {
      if (closed) throw new Error('the store is closed');
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

const SQLITE_CACHE_KIB = 32 * 1024;
const SQLITE_CHECKPOINT_PAGES = 10_000;

/** A SQLite connection with the store's settings; exported for the benchmark's storage floor. */
export function openSqlite(options: StoreOptions): SqliteDatabase.Database {
  const file = options.sqlitePath ?? ':memory:';
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  // With WAL, NORMAL syncs at checkpoints instead of every commit. A killed process loses nothing
  // committed; a power cut may roll back the last commits whole, and since a page and its cursor
  // commit together, such a page is fetched and applied again, once.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  // SQLite's default page cache is 2 MB: a large import's index pages would be read back from the
  // file for every page of items. The cache only grows as pages are used.
  database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  // A page of a thousand items touches a leaf of each Graph-keyed index per item, megabytes of pages;
  // with the default checkpoint at 1,000 WAL pages every commit was followed by a checkpoint. Every
  // few commits instead, a leaf rewritten by several of them is copied back once.
  database.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  options.logger?.debug({ dialect: 'sqlite', file }, 'store opened');
  return database;
}

function createPool(options: StoreOptions): pg.Pool {
  const pool = new pg.Pool({
    // A connection string's password (even an empty one) overrides a `password` function, so with one
    // the URL is taken apart here and the function is the only password.
    ...(options.databasePassword
      ? { ...parseIntoClientConfig(options.databaseUrl!), password: options.databasePassword }
      : { connectionString: options.databaseUrl }),
    max: options.poolSize ?? 10,
    types: {
      // count(*) and sum() come back as int8; read them as numbers like SQLite does (they stay far
      // below 2^53). Scoped to this pool so other pg users in the process are unaffected.
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const { onStatement } = options;
  if (onStatement)
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((...args: unknown[]) => {
        onStatement();
        return query(...args);
      }) as typeof client.query;
    });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (err) =>
    options.logger?.warn({ err: { message: err.message } }, 'PostgreSQL idle client error'),
  );
  options.logger?.debug({ dialect: 'postgres' }, 'store opened');
  return pool;
}
