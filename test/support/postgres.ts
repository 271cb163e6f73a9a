import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createStore, type Store, type StoreDialect, type StoreOptions } from '../../bot/store/store.js';

/**
 * Store fixtures for tests that must hold on SQLite and on a real PostgreSQL. PostgreSQL comes from
 * TEST_DATABASE_URL (set by global-fixtures.ts); every fixture gets its own freshly created database,
 * so test files never see each other's rows.
 */

export const DIALECTS: readonly StoreDialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  /** Connection options for createStore; open as many stores on it as a test needs. */
  readonly options: StoreOptions;
  /** Drops the database (or deletes the SQLite folder). */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: run tests through mocha so test/support/global-fixtures.ts starts PostgreSQL',
    );
  }
  return url;
}

async function withAdminClient(work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(dialect: StoreDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-sqlite-'));
    return {
      options: { sqlitePath: path.join(dir, 'store.db') },
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `test_${randomBytes(8).toString('hex')}`;
  await withAdminClient((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`).then(() => undefined));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    options: { databaseUrl: url.toString() },
    drop: () =>
      withAdminClient((c) =>
        c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`).then(() => undefined),
      ),
  };
}

export interface TestStore {
  readonly store: Store;
  readonly database: TestDatabase;
  /** Closes the store and drops its database. */
  dispose(): Promise<void>;
}

/** A store on a fresh database, not yet migrated. */
export async function openTestStore(dialect: StoreDialect): Promise<TestStore> {
  const database = await createTestDatabase(dialect);
  const store = createStore(database.options);
  return {
    store,
    database,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
}

export interface DialectSuite {
  readonly dialect: StoreDialect;
  /** The suite's migrated store; available inside hooks and tests. */
  readonly store: Store;
}

/**
 * Declares the same suite once per dialect: `forEachDialect('mail items', (s) => it('...', () => s.store...))`.
 * Each copy gets its own migrated database for all its tests, dropped afterwards.
 */
export function forEachDialect(title: string, define: (suite: DialectSuite) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, function () {
      let fixture: TestStore | undefined;
      const suite: DialectSuite = {
        dialect,
        get store() {
          if (!fixture) throw new Error('the store is only available inside hooks and tests');
          return fixture.store;
        },
      };
      before(async function () {
        fixture = await openTestStore(dialect);
        await fixture.store.migrate();
      });
      after(async function () {
        await fixture?.dispose();
        fixture = undefined;
      });
      define(suite);
    });
  }
}
