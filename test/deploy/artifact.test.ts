import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { buildArtifact, folderBytes, type ArtifactResult } from '../../scripts/build-artifact.js';
import { createStore } from '../../bot/store/store.js';
import { bicepSites, literal, type BicepSite } from '../infra/bicep-sites.js';
import { DEMO } from '../support/emulator-msal.js';
import { acceptTokenOf, APP_GROUP_ROLE, installAppRoles, roleUrl } from '../support/entra-postgres.js';
import { startIngestion, type Envelope } from '../support/app-insights-ingestion.js';
import { freePort } from '../support/free-port.js';
import { startTlsPostgres, type TlsPostgres } from '../support/tls-postgres.js';
import { CONTOSO } from '../sync/support/accounts.js';
import type { ManagedIdentity } from '../../emulator/app-service/managed-identity.js';
import { actualMail, expectedMail, mailDifferences } from '../sync/support/expectation.js';
import { connectAccount, seedContosoCrm, startSyncEnv, type SyncEnv } from '../sync/support/sync-env.js';
import { waitFor } from '../sync/support/wait.js';
import type { WorkerProcess } from '../sync/support/worker-process.js';
import { killAll } from '../sync/support/worker-process.js';

/**
 * The deployment artifact as App Service runs it: `npm run artifact` builds it, it is unzipped in a
 * scratch folder, and the server and worker start from it with the Bicep's start commands and app
 * settings, on this Node.js, against a PostgreSQL that demands TLS with a verified certificate and the
 * emulator standing in for Entra ID and Graph exactly as a real tenant is configured
 * (USE_EMULATOR=false, its URLs given). Each app signs in to PostgreSQL as its managed identity's
 * role (infra/postgres-roles.sql) with a token from the emulator's App Service token service. It must
 * answer /healthz, sync a mailbox, take Graph's notification handshake at the server, and stop cleanly
 * on SIGTERM. Their telemetry goes to a loopback Application Insights ingestion endpoint, which must
 * receive requests and dependencies with their paths and without their query strings.
 */

/** The apps' user-assigned managed identities and the roles infra/postgres-roles.sql makes for them. */
const IDENTITIES: Record<'serverApp' | 'workerApp', ManagedIdentity & { role: string }> = {
  serverApp: {
    clientId: '5d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a',
    principalId: '6e2f3a4b-5c6d-4e7f-8a0b-1c2d3e4f5a6b',
    tenantId: CONTOSO.id,
    role: 'cloudsyncdev-server-identity',
  },
  workerApp: {
    clientId: '7f3a4b5c-6d7e-4f8a-9b1c-2d3e4f5a6b7c',
    principalId: '8a4b5c6d-7e8f-4a9b-8c2d-3e4f5a6b7c8d',
    tenantId: CONTOSO.id,
    role: 'cloudsyncdev-worker-identity',
  },
};

/** The TLS server's admin URL as this process and the apps verify it: verify-full with the emulator's CA. */
function verifiedUrl(pg: TlsPostgres, caFile: string): string {
  const url = new URL(pg.adminUrl);
  url.searchParams.set('sslmode', 'verify-full');
  url.searchParams.set('sslrootcert', caFile);
  return url.toString();
}

/** Values App Service or Azure would give that this machine gives differently, and why. */
function localValues(env: SyncEnv, ports: { server: number; worker: number }, telemetry: string) {
  return {
    // Azure's resources: this test's emulator, database and secrets.
    PUBLIC_URL: `https://localhost:${ports.server}`,
    M365_TENANT_ID: 'organizations',
    AAD_APP_SIGN_IN_AUDIENCE: 'AzureADMultipleOrgs',
    AAD_APP_CLIENT_ID: DEMO.clientId,
    AAD_APP_CLIENT_SECRET: DEMO.clientSecret,
    AAD_APP_ID_URI: `api://localhost/${DEMO.clientId}`,
    BOT_ID: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
    BOT_PASSWORD: 'bot-password',
    TOKEN_ENCRYPTION_KEY: env.cipherKey,
    TEAMSFX_ENV: 'artifact-test',
    IT_ADMINS: '',
    APPLICATIONINSIGHTS_CONNECTION_STRING: telemetry,
    // App Service's persistent /home and its container port.
    DATA_DIR: path.join(os.tmpdir(), 'cloud-sync-artifact-data'),
    WORKER_HEALTH_PORT: String(ports.worker),
  } as Record<string, string>;
}

/** One app's database settings: its identity's role, no password, the certificate checked. */
function databaseValues(site: 'serverApp' | 'workerApp', pg: TlsPostgres): Record<string, string> {
  const url = new URL(roleUrl(pg.adminUrl, IDENTITIES[site].role));
  url.searchParams.set('sslmode', 'verify-full');
  return { DATABASE_URL: url.toString(), DATABASE_IDENTITY_CLIENT_ID: IDENTITIES[site].clientId };
}

/** A real tenant's endpoints, here the emulator's (the defaults are Microsoft's). */
function tenantEndpoints(env: SyncEnv): Record<string, string> {
  return {
    M365_AUTHORITY_HOST: env.emu.origin,
    GRAPH_BASE_URL: env.emu.origin,
    BOT_OPENID_METADATA_URL: `${env.emu.origin}/botframework/v1/.well-known/openidconfiguration`,
    BOT_LOGIN_URL: `${env.emu.origin}/botframework.com`,
    // Graph could not post to this machine's server over HTTPS; the worker polls instead.
    GRAPH_NOTIFICATIONS: 'false',
    LOG_LEVEL: 'warn',
  };
}

/** The environment App Service gives one app: its Bicep settings, each literal or a local value. */
function appEnvironment(site: BicepSite, local: Record<string, string>, extra: Record<string, string>) {
  const env: Record<string, string> = {};
  for (const [name, expression] of site.settings) {
    const value = local[name] ?? literal(expression);
    assert.ok(
      value !== undefined,
      `the test has no local value for ${site.symbol}'s ${name} (${expression})`,
    );
    env[name] = value;
  }
  return { ...env, ...extra };
}

async function unzip(zipFile: string, into: string): Promise<void> {
  const zip = await JSZip.loadAsync(await readFile(zipFile));
  for (const entry of Object.values(zip.files)) {
    const target = path.join(into, entry.name);
    if (entry.dir) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await entry.async('nodebuffer'));
    if (entry.unixPermissions) await chmod(target, Number(entry.unixPermissions) & 0o777);
  }
}

function start(commandLine: string, cwd: string, env: Record<string, string>): WorkerProcess {
  const [command, ...args] = commandLine.split(' ');
  assert.equal(command, 'node');
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/** Milliseconds from `startedAt` until /healthz answers 200. */
async function healthy(app: WorkerProcess, port: number, startedAt: number): Promise<number> {
  let status = 0;
  await waitFor(
    async () => {
      if (app.child.exitCode !== null) throw new Error(`exited early:\n${app.output()}`);
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      return status === 200;
    },
    60_000,
    `/healthz on port ${port}`,
    50,
  );
  return Date.now() - startedAt;
}

describe('the deployment artifact, started as App Service starts it [postgres over TLS]', function () {
  this.timeout(900_000);
  let artifact: ArtifactResult;
  let appDir: string;
  let env: SyncEnv;
  let pg: TlsPostgres;
  const apps: WorkerProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  before(async function () {
    artifact = await buildArtifact({ forThisNode: true, quiet: true });
    appDir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-artifact-'));
    await unzip(artifact.zip, appDir);
    env = await startSyncEnv('postgres', {
      appServiceIdentities: { userAssigned: [IDENTITIES.serverApp, IDENTITIES.workerApp] },
      store: async (emu) => {
        const tls = path.join(emu.dataDir, 'emulator');
        pg = await startTlsPostgres({
          certFile: path.join(tls, 'localhost.pem'),
          keyFile: path.join(tls, 'localhost-key.pem'),
        });
        // This process verifies the server as the apps do, with the emulator's CA.
        const admin = verifiedUrl(pg, path.join(tls, 'ca.pem'));
        await installAppRoles(admin, {
          server_role: IDENTITIES.serverApp.role,
          worker_role: IDENTITIES.workerApp.role,
        });
        // The test's own store (migrations, seed data) acts as the apps' group role, as the apps do,
        // so what it creates is theirs.
        const url = new URL(admin);
        url.searchParams.set('options', `-c role=${APP_GROUP_ROLE}`);
        const store = createStore({ databaseUrl: url.toString() });
        return {
          store,
          database: { options: { databaseUrl: url.toString() }, drop: () => pg.stop() },
          async dispose() {
            await store.close();
            await pg.stop();
          },
        };
      },
    });
  });

  after(async function () {
    await killAll(apps);
    for (const close of closers) await close();
    await env?.close();
    if (appDir) await rm(appDir, { recursive: true, force: true });
  });

  it('is the compiled code and production dependencies only, under 80 MB unpacked', async function () {
    const unpacked = folderBytes(appDir);
    console.log(
      `      artifact: ${(unpacked / 1048576).toFixed(1)} MB unpacked, ${(artifact.zipBytes / 1048576).toFixed(1)} MB zipped`,
    );
    assert.ok(unpacked < 80 * 1024 * 1024, `${unpacked} bytes unpacked`);
    // The lock file marks what only development needs; none of it may be installed.
    const lock = JSON.parse(await readFile(path.join(appDir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const installed = async (where: string) =>
      readFile(path.join(appDir, where, 'package.json')).then(
        () => true,
        () => false,
      );
    const devOnly = Object.entries(lock.packages).filter(([where, p]) => where && p.dev);
    assert.ok(devOnly.some(([where]) => where === 'node_modules/pino-pretty'));
    for (const [where] of devOnly) assert.equal(await installed(where), false, `${where} is for development`);
    assert.equal(await installed('node_modules/restify'), true);
  });

  it('starts the server and the worker with the Bicep settings, answers /healthz, syncs a mailbox, stops on SIGTERM', async function () {
    await seedContosoCrm(env.store);
    const accountId = await connectAccount(env, DEMO.alice);
    const ports = { server: await freePort(), worker: await freePort() };
    const tls = path.join(env.emu.dataDir, 'emulator');
    const ingestion = await startIngestion({
      certPem: await readFile(path.join(tls, 'localhost.pem'), 'utf8'),
      keyPem: await readFile(path.join(tls, 'localhost-key.pem'), 'utf8'),
    });
    closers.push(ingestion.close);
    const local = localValues(env, ports, ingestion.connectionString);
    const admin = verifiedUrl(pg, path.join(env.emu.dataDir, 'emulator', 'ca.pem'));
    for (const identity of Object.values(IDENTITIES))
      await acceptTokenOf(admin, identity.role, env.emu.managedIdentity!, identity.clientId);
    const sites = bicepSites();
    const site = (symbol: string) => sites.find((s) => s.symbol === symbol)!;
    const base = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(ports.server),
      // The emulator's CA stands in for the public CAs that sign Entra's, Graph's and Azure's certificates.
      NODE_EXTRA_CA_CERTS: path.join(env.emu.dataDir, 'emulator', 'ca.pem'),
      // What App Service sets for an app with a managed identity.
      IDENTITY_ENDPOINT: env.emu.managedIdentity!.endpoint,
      IDENTITY_HEADER: env.emu.managedIdentity!.header,
      // The exporter also calls Microsoft (its settings, SDK statistics): those stop at a refusing
      // proxy on this machine, and the statistics are switched off by Microsoft's variables.
      HTTPS_PROXY: ingestion.proxyUrl,
      NO_PROXY: 'localhost,127.0.0.1',
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
      ...tenantEndpoints(env),
    };

    const serverStarted = Date.now();
    const server = start(
      site('serverApp').commandLine,
      appDir,
      appEnvironment(site('serverApp'), { ...local, ...databaseValues('serverApp', pg) }, base),
    );
    apps.push(server);
    const serverColdStartMs = await healthy(server, ports.server, serverStarted);

    const workerStarted = Date.now();
    const worker = start(
      site('workerApp').commandLine,
      appDir,
      appEnvironment(site('workerApp'), { ...local, ...databaseValues('workerApp', pg) }, base),
    );
    apps.push(worker);
    const workerColdStartMs = await healthy(worker, ports.worker, workerStarted);
    console.log(
      `      cold start to /healthz: server ${serverColdStartMs} ms, worker ${workerColdStartMs} ms`,
    );

    // Graph's subscription handshake reaches the server, which runs no worker of its own.
    const token = 'handshake-token';
    const handshake = await fetch(
      `http://127.0.0.1:${ports.server}/api/notifications?validationToken=${token}`,
      { method: 'POST' },
    );
    assert.equal(handshake.status, 200);
    assert.equal(await handshake.text(), token);
    // A browser coming back from Microsoft's sign-in with a code and state in the URL.
    const signInAnswer = { code: 'artifact-authcode-5f6e7d', state: 'artifact-state-8c9b0a' };
    await fetch(
      `http://127.0.0.1:${ports.server}/auth/callback?code=${signInAnswer.code}&state=${signInAnswer.state}`,
    ).then((r) => r.arrayBuffer());

    await waitFor(
      async () =>
        (
          await env.db
            .selectFrom('sync_accounts')
            .select('last_synced_at')
            .where('id', '=', accountId)
            .executeTakeFirstOrThrow()
        ).last_synced_at !== null,
      120_000,
      'the worker to finish a sync round',
      100,
    );
    const byAddress = new Map<string, string>();
    for (const row of await env.db.selectFrom('crm_contact_emails').select(['email', 'contact_id']).execute())
      byAddress.set(row.email, row.contact_id);
    const expected = expectedMail(env.emu, DEMO.alice.id, {
      folders: ['inbox', 'sentitems'],
      historyDays: 90,
      tenantDomains: [CONTOSO.domain],
      contacts: byAddress,
    });
    assert.ok(Object.keys(expected.filed).length >= 3, 'the demo mailbox has mail with CRM contacts');
    assert.deepEqual(mailDifferences(await actualMail(env.db, accountId), expected), []);

    server.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.output());
    assert.equal((await worker.exited).code, 0, worker.output());
    const leases = await env.db.selectFrom('job_leases').select('owner').execute();
    assert.deepEqual(leases, [], 'the worker released its leases on the way out');

    // What Application Insights received, flushed by both apps on their way out.
    const items = (type: string, role: string) =>
      ingestion.envelopes.filter((e) => e.data?.baseType === type && e.tags?.['ai.cloud.role'] === role);
    const field = (e: Envelope, name: string) => String(e.data?.baseData?.[name] ?? '');
    const requestUrls = items('RequestData', 'cloud-sync-server').map((e) => field(e, 'url'));
    // The exporter builds a request's URL from the scheme, host name and path (no port).
    const requestPaths = requestUrls.map((url) => new URL(url).pathname);
    assert.ok(requestPaths.includes('/auth/callback'), requestUrls.join('\n'));
    assert.ok(requestPaths.includes('/api/notifications'), requestUrls.join('\n'));
    const graphCalls = items('RemoteDependencyData', 'cloud-sync-worker').map((e) => field(e, 'data'));
    assert.ok(
      graphCalls.some((url) => url.startsWith(`${env.emu.origin}/v1.0/`)),
      `the worker's Graph calls are dependencies: ${graphCalls.join('\n')}`,
    );
    for (const e of ingestion.envelopes)
      for (const text of [
        field(e, 'url'),
        field(e, 'data'),
        field(e, 'name'),
        e.tags?.['ai.operation.name'] ?? '',
      ])
        assert.doesNotMatch(text, /[?#]/, `a URL with its query reached Application Insights: ${text}`);
    const received = JSON.stringify(ingestion.envelopes);
    for (const secret of [signInAnswer.code, signInAnswer.state, token, '$deltatoken=', '$skiptoken='])
      assert.ok(!received.includes(secret), `${secret} reached Application Insights`);
  });
});
