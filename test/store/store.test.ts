import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createStore, StoreMigrationError } from '../../bot/store/store.js';
import { nowIso } from '../../bot/store/columns.js';
import { migrationProvider } from '../../bot/store/migrations/index.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/postgres.js';

const allMigrations = async () => Object.keys(await migrationProvider.getMigrations()).sort();

/** The tables of 0001; later migrations may add more. */
const INITIAL_TABLES = [
  'approval_request_users',
  'approval_requests',
  'audit_log',
  'conversation_refs',
  'crm_contact_emails',
  'crm_contacts',
  'crm_users',
  'diary_item_contacts',
  'diary_item_owners',
  'diary_items',
  'graph_subscriptions',
  'job_leases',
  'mail_item_contacts',
  'mail_item_owners',
  'mail_items',
  'sync_accounts',
  'sync_cursors',
  'sync_runs',
  'sync_skips',
  'tenants',
  'token_caches',
];

for (const dialect of DIALECTS) {
  describe(`store [${dialect}]`, function () {
    let fixture: TestStore;
    beforeEach(async function () {
      fixture = await openTestStore(dialect);
    });
    afterEach(async function () {
      await fixture.dispose();
    });

    it('reports its dialect and answers ping', async function () {
      assert.equal(fixture.store.dialect, dialect);
      await fixture.store.ping();
    });

    it('migrates an empty database to every table, and a second run is a no-op', async function () {
      const first = await fixture.store.migrate();
      assert.deepEqual(first, await allMigrations());
      assert.equal(first[0], '0001-initial');
      const tables = new Set((await fixture.store.db.introspection.getTables()).map((t) => t.name));
      assert.deepEqual(
        INITIAL_TABLES.filter((t) => !tables.has(t)),
        [],
        'every table exists',
      );

      await fixture.store.db
        .insertInto('tenants')
        .values({ id: 't1', name: 'T', created_at: nowIso(), updated_at: nowIso() })
        .execute();
      const second = await fixture.store.migrate();
      assert.deepEqual(second, []);
      const rows = await fixture.store.db.selectFrom('tenants').select('id').execute();
      assert.deepEqual(rows, [{ id: 't1' }], 'data survives a repeated migration');
    });

    it('a second process opening the same database finds it migrated', async function () {
      await fixture.store.migrate();
      const other = createStore(fixture.database.options);
      try {
        assert.deepEqual(await other.migrate(), []);
      } finally {
        await other.close();
      }
    });

    it('close is idempotent and a closed store fails its ping', async function () {
      await fixture.store.close();
      await fixture.store.close();
      await assert.rejects(fixture.store.ping(), /store is closed/);
    });
  });
}

describe('store [postgres] concurrency', function () {
  let fixture: TestStore;
  before(async function () {
    fixture = await openTestStore('postgres');
  });
  after(async function () {
    await fixture.dispose();
  });

  it('several processes migrating the same empty database at once apply each migration once', async function () {
    const stores = [
      fixture.store,
      createStore(fixture.database.options),
      createStore(fixture.database.options),
    ];
    try {
      const results = await Promise.all(stores.map((s) => s.migrate()));
      assert.deepEqual(
        results.flat().sort(),
        await allMigrations(),
        'each migration applied by exactly one runner',
      );
      const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        fixture.store.db,
      );
      assert.deepEqual(
        recorded.rows.map((r) => r.name),
        await allMigrations(),
      );
    } finally {
      await Promise.all(stores.slice(1).map((s) => s.close()));
    }
  });

  it('reads count(*) as a number, like SQLite', async function () {
    const { n } = await fixture.store.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(typeof n, 'number');
  });

  it('tells onStatement of every statement its connections send, transaction control included', async function () {
    let statements = 0;
    const counted = createStore({ ...fixture.database.options, onStatement: () => (statements += 1) });
    try {
      await counted.db.selectFrom('tenants').select('id').execute();
      assert.equal(statements, 1);
      await counted.db.transaction().execute(async (trx) => {
        await trx.selectFrom('tenants').select('id').execute();
        await trx.selectFrom('sync_accounts').select('id').execute();
      });
      assert.equal(statements, 1 + 4, 'begin, two selects, commit');
    } finally {
      await counted.close();
    }
  });
});

describe('store [sqlite] file', function () {
  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-store-'));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the folder of SQLITE_PATH and opens in WAL mode (synchronous NORMAL) with foreign keys on', async function () {
    const file = path.join(dir, 'nested', 'deeper', 'store.db');
    const store = createStore({ sqlitePath: file });
    try {
      await store.migrate();
      assert.ok(existsSync(file));
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      assert.equal(mode.rows[0]?.journal_mode, 'wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      assert.equal(fk.rows[0]?.foreign_keys, 1);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
      assert.ok((busy.rows[0]?.timeout ?? 0) > 0);
      // NORMAL (1): commits sync at WAL checkpoints, not one fsync each.
      const synchronous = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
      assert.equal(synchronous.rows[0]?.synchronous, 1);
    } finally {
      await store.close();
    }
  });

  it('a failed migration is reported with a clear error and rolls back completely', async function () {
    const file = path.join(dir, 'store.db');
    const blocker = createStore({ sqlitePath: file });
    // A table the migration will also try to create, so it fails part-way through.
    await sql`create table sync_runs (x integer)`.execute(blocker.db);
    await blocker.close();

    const store = createStore({ sqlitePath: file });
    try {
      await assert.rejects(store.migrate(), (err: unknown) => {
        assert.ok(err instanceof StoreMigrationError);
        assert.equal(err.migrationName, '0001-initial');
        assert.match(err.message, /0001-initial failed: .*sync_runs/);
        return true;
      });
      const tables = (await store.db.introspection.getTables()).map((t) => t.name).sort();
      assert.deepEqual(tables, ['sync_runs'], 'nothing of the failed migration is left behind');
    } finally {
      await store.close();
    }
  });
});
