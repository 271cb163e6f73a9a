import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import {
  acceptTokenOf,
  dropAppRoles,
  installAppRoles,
  quoteIdent,
  roleUrl,
  withClient,
} from '../support/entra-postgres.js';
import { freePort } from '../support/free-port.js';
import { killAll, spawnWorker, type WorkerProcess } from '../sync/support/worker-process.js';

/**
 * infra/postgres-roles.sql, run as an Entra administrator would run it with psql, on a real
 * PostgreSQL; then the sync worker, started as App Service starts it with DATABASE_AUTH=entra, signs in
 * as its managed identity's role and migrates the schema. What stands in for Azure's pgaadauth
 * extension is in test/support/entra-postgres.ts.
 */

const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

function adminUrl(database?: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? assert.fail('TEST_DATABASE_URL is not set'));
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

describe('infra/postgres-roles.sql and DATABASE_AUTH=entra (the sync worker signs in as its managed identity)', function () {
  this.timeout(120_000);
  const suffix = randomBytes(4).toString('hex');
  const database = `cloudsync_${suffix}`;
  const roles = {
    server_role: `cloudsync${suffix}-server-identity`,
    worker_role: `cloudsync${suffix}-worker-identity`,
  };
  const workerIdentity = { clientId: randomUUID(), principalId: randomUUID(), tenantId: TENANT };
  const serverIdentity = { clientId: randomUUID(), principalId: randomUUID(), tenantId: TENANT };
  let emu: TestEmulator;
  const workers: WorkerProcess[] = [];

  before(async function () {
    emu = await startTestEmulator({
      appServiceIdentities: { userAssigned: [serverIdentity, workerIdentity] },
    });
    await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE ${quoteIdent(database)}`));
    await installAppRoles(adminUrl(database), roles);
  });

  after(async function () {
    await killAll(workers);
    await emu?.close();
    await withClient(adminUrl(), (c) =>
      c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`),
    );
    await dropAppRoles(adminUrl(), roles);
  });

  const workerToken = () =>
    acceptTokenOf(adminUrl(), roles.worker_role, emu.managedIdentity!, workerIdentity.clientId);

  function workerEnv(extra: Record<string, string | undefined>): Record<string, string> {
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      TEAMSFX_ENV: 'entra-worker-test',
      LOG_LEVEL: 'info',
      DATABASE_URL: roleUrl(adminUrl(database), roles.worker_role),
      DATABASE_AUTH: 'entra',
      DATABASE_IDENTITY_CLIENT_ID: workerIdentity.clientId,
      IDENTITY_ENDPOINT: emu.managedIdentity!.endpoint,
      IDENTITY_HEADER: emu.managedIdentity!.header,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      USE_EMULATOR: 'true',
      EMULATOR_CA_CERT: path.join(emu.dataDir, 'emulator', 'ca.pem'),
      M365_AUTHORITY_HOST: emu.origin,
      GRAPH_BASE_URL: emu.origin,
      GRAPH_NOTIFICATIONS: 'false',
      ...extra,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  async function health(
    worker: WorkerProcess,
    port: number,
  ): Promise<{ status: string; checks: Record<string, { ok: boolean }> }> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (worker.child.exitCode !== null) assert.fail(`the worker exited:\n${worker.output()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return assert.fail(`no health answer:\n${worker.output()}`);
  }

  it('gives each app identity a login role that is no superuser and acts only as cloudsync_app', async function () {
    const rows = await withClient(adminUrl(), (c) =>
      c.query<{
        rolname: string;
        rolsuper: boolean;
        rolcreatedb: boolean;
        rolcreaterole: boolean;
        rolcanlogin: boolean;
      }>(
        `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = ANY($1)`,
        [[roles.server_role, roles.worker_role, 'cloudsync_app']],
      ),
    );
    // [superuser, create databases, create roles, log in]
    assert.deepEqual(
      Object.fromEntries(
        rows.rows.map((r) => [r.rolname, [r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolcanlogin]]),
      ),
      {
        cloudsync_app: [false, false, false, false],
        [roles.server_role]: [false, false, false, true],
        [roles.worker_role]: [false, false, false, true],
      },
    );
  });

  it('starts the worker with an Entra token as its password: it migrates the schema as cloudsync_app and answers healthy', async function () {
    await workerToken();
    const port = await freePort();
    const worker = spawnWorker(workerEnv({ WORKER_HEALTH_PORT: String(port) }));
    workers.push(worker);
    const answer = await health(worker, port);
    assert.equal(answer.checks.store?.ok, true, worker.output());

    await withClient(adminUrl(database), async (c) => {
      const owners = await c.query<{ tableowner: string }>(
        `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`,
      );
      assert.deepEqual(
        owners.rows.map((r) => r.tableowner),
        ['cloudsync_app'],
        'every table belongs to the group role',
      );
      const tables = await c.query(
        `SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'sync_accounts'`,
      );
      assert.equal(tables.rowCount, 1, 'the migrations ran');
      const sessions = await c.query<{ usename: string }>(
        `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      assert.deepEqual(
        sessions.rows.map((r) => r.usename),
        [roles.worker_role],
        'the worker signed in as its identity',
      );
    });
    assert.doesNotMatch(worker.output(), JWT, 'no token in the worker log');

    worker.child.kill('SIGTERM');
    assert.equal((await worker.exited).code, 0, worker.output());
  });

  it('signed in as an app identity, cannot create databases or roles, nor read another role’s secrets', async function () {
    const token = await workerToken();
    const client = new pg.Client({
      ...parseIntoClientConfig(roleUrl(adminUrl(database), roles.worker_role)),
      password: async () => token,
    });
    await client.connect();
    try {
      const who = await client.query<{ current_user: string; session_user: string }>(
        'SELECT current_user, session_user',
      );
      assert.deepEqual(who.rows[0], { current_user: 'cloudsync_app', session_user: roles.worker_role });
      for (const statement of [
        `CREATE DATABASE ${quoteIdent(`other_${suffix}`)}`,
        `CREATE ROLE ${quoteIdent(`intruder_${suffix}`)}`,
        'SELECT rolpassword FROM pg_authid',
      ])
        await assert.rejects(client.query(statement), /permission denied/, statement);
    } finally {
      await client.end();
    }
  });

  it('refuses to start with a wrong identity header, saying why, with no token in its output', async function () {
    const worker = spawnWorker(workerEnv({ IDENTITY_HEADER: 'not-the-header' }));
    workers.push(worker);
    const exit = await worker.exited;
    assert.equal(exit.code, 1, worker.output());
    assert.match(
      worker.output(),
      /Could not get a Microsoft Entra token for PostgreSQL from the managed identity \(DATABASE_AUTH=entra\)/,
    );
    assert.match(worker.output(), /X-IDENTITY-HEADER/);
    assert.doesNotMatch(worker.output(), JWT);
  });

  it('refuses to start without the identity header, naming IDENTITY_HEADER', async function () {
    const worker = spawnWorker(workerEnv({ IDENTITY_HEADER: undefined }));
    workers.push(worker);
    const exit = await worker.exited;
    assert.equal(exit.code, 1, worker.output());
    assert.match(
      worker.output(),
      /DATABASE_AUTH=entra needs the App Service managed identity, but IDENTITY_HEADER is not set/,
    );
    assert.doesNotMatch(worker.output(), JWT);
  });
});
