import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { startTestEmulator, REPO_ROOT, type TestEmulator } from '../support/emulator.js';
import { freePort } from '../support/free-port.js';
import { killAll, spawnWorker, type WorkerProcess } from '../sync/support/worker-process.js';

/**
 * infra/postgres-roles.sql, run as an Entra administrator would run it with psql, on a real
 * PostgreSQL; then the sync worker, started as App Service starts it with DATABASE_AUTH=entra, signs in
 * as its managed identity's role and migrates the schema. Two things stand in for Azure here:
 * `pgaadauth_create_principal` creates a plain login role, and the test sets that role's password to
 * the token the emulator's managed identity endpoint issues (Azure's pgaadauth extension instead
 * checks any token of that identity against Entra).
 */

const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const POSTGRES_RESOURCE = 'https://ossrdbms-aad.database.windows.net';
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

const quoteLiteral = (v: string) => `'${v.replace(/'/g, "''")}'`;
const quoteIdent = (v: string) => `"${v.replace(/"/g, '""')}"`;

/** The script as psql runs it: `:'var'` is a quoted literal, `:"var"` a quoted identifier, DBNAME the database. */
function psqlScript(file: string, vars: Record<string, string>): string {
  return readFileSync(path.join(REPO_ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\') && !line.startsWith('--'))
    .join('\n')
    .replace(/:'(\w+)'/g, (_m, name: string) =>
      quoteLiteral(vars[name] ?? assert.fail(`no psql variable ${name}`)),
    )
    .replace(/:"(\w+)"/g, (_m, name: string) =>
      quoteIdent(vars[name] ?? assert.fail(`no psql variable ${name}`)),
    );
}

function adminUrl(database?: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? assert.fail('TEST_DATABASE_URL is not set'));
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
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
    await withClient(adminUrl(database), async (c) => {
      // Stand-in for Azure's pgaadauth extension: a login role named after the Entra principal.
      await c.query(`CREATE FUNCTION pgaadauth_create_principal(role_name text, is_admin boolean, is_mfa boolean)
        RETURNS text LANGUAGE plpgsql AS $$
        BEGIN
          EXECUTE format('CREATE ROLE %I LOGIN', role_name);
          RETURN 'Created role for ' || role_name;
        END $$`);
      await c.query(psqlScript('infra/postgres-roles.sql', { ...roles, DBNAME: database }));
    });
  });

  after(async function () {
    await killAll(workers);
    await emu?.close();
    await withClient(adminUrl(), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
      for (const role of [roles.server_role, roles.worker_role, 'cloudsync_app'])
        await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    });
  });

  /** The token App Service's token service hands the worker's identity (it caches one per resource). */
  async function workerToken(): Promise<string> {
    const mi = emu.managedIdentity!;
    const query = new URLSearchParams({
      resource: POSTGRES_RESOURCE,
      'api-version': '2019-08-01',
      client_id: workerIdentity.clientId,
    });
    const res = await fetch(`${mi.endpoint}?${query}`, { headers: { 'X-IDENTITY-HEADER': mi.header } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function workerEnv(extra: Record<string, string | undefined>): Record<string, string> {
    const url = new URL(adminUrl(database));
    url.username = roles.worker_role;
    url.password = '';
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      TEAMSFX_ENV: 'entra-worker-test',
      LOG_LEVEL: 'info',
      DATABASE_URL: url.toString(),
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
        `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
        [[roles.server_role, roles.worker_role, 'cloudsync_app']],
      ),
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolcanlogin]),
      [
        ['cloudsync_app', false, false, false, false],
        [roles.server_role, false, false, false, true],
        [roles.worker_role, false, false, false, true],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('starts the worker with an Entra token as its password: it migrates the schema as cloudsync_app and answers healthy', async function () {
    const token = await workerToken();
    await withClient(adminUrl(), (c) =>
      c.query(`ALTER ROLE ${quoteIdent(roles.worker_role)} PASSWORD ${quoteLiteral(token)}`),
    );
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
    const url = new URL(adminUrl(database));
    url.username = roles.worker_role;
    url.password = '';
    await withClient(adminUrl(), (c) =>
      c.query(`ALTER ROLE ${quoteIdent(roles.worker_role)} PASSWORD ${quoteLiteral(token)}`),
    );
    const client = new pg.Client({ ...parseIntoClientConfig(url.toString()), password: async () => token });
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
