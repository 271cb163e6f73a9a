import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { composeServer, type RunningServer } from '../../bot/app/compose-server.js';
import { parseConfig } from '../../bot/config/config.js';
import { createLogger } from '../../bot/logging/logger.js';
import { migrationProvider } from '../../bot/store/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/**
 * A deployment's start against the database the previous release left: the server migrates it to the
 * latest schema and keeps its rows, and when two servers start at once (App Service starting two
 * instances, or a server beside a worker) each migration still runs exactly once.
 */

const OLDER = '0002-sync-page-versions';

describe('server start against an older database [postgres]', function () {
  this.timeout(120_000);
  let database: TestDatabase;
  const running: RunningServer[] = [];

  before(async function () {
    database = await createTestDatabase('postgres');
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.options.databaseUrl }) }),
    });
    try {
      const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(OLDER);
      assert.equal(error, undefined);
      await sql`insert into tenants (id, name, created_at, updated_at)
        values ('t-older', 'Tenant of the older release', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`.execute(
        db,
      );
    } finally {
      await db.destroy();
    }
  });

  after(async function () {
    await Promise.all(running.map((r) => r.shutdown()));
    await database?.drop();
  });

  it('two servers starting at once upgrade it to the latest schema, each migration run once, rows kept', async function () {
    let logged = '';
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _enc, done) {
          logged += String(chunk);
          done();
        },
      }),
    });
    const config = parseConfig({
      NODE_ENV: 'test',
      USE_EMULATOR: 'false',
      AAD_APP_CLIENT_ID: '6a1c2e4b-7d8f-4a1b-9c2d-3e4f5a6b7c8d',
      AAD_APP_CLIENT_SECRET: 'secret',
      DATABASE_URL: database.options.databaseUrl,
      RUN_WORKER_IN_SERVER: 'false',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    running.push(...(await Promise.all([0, 1].map(() => composeServer({ ...config, PORT: 0 }, logger)))));

    const all = Object.keys(await migrationProvider.getMigrations()).sort();
    const newer = all.filter((name) => name > OLDER);
    assert.ok(newer.length > 0, 'there are migrations after the older release');
    const applied = logged
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; migration?: string })
      .filter((l) => l.msg === 'database migration applied')
      .map((l) => l.migration);
    assert.deepEqual(applied.sort(), newer, 'each newer migration applied once, by one of the two');

    const db = running[0]!.store.db;
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    assert.deepEqual(
      recorded.rows.map((r) => r.name),
      all,
    );
    const kept = await db.selectFrom('tenants').select('name').where('id', '=', 't-older').execute();
    assert.deepEqual(kept, [{ name: 'Tenant of the older release' }]);
    for (const r of running) {
      const res = await fetch(`http://127.0.0.1:${r.port}/healthz`);
      assert.equal(res.status, 200);
    }
  });
});
