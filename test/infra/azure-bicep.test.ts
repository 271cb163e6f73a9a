import { strict as assert } from 'node:assert';
import { CONFIG_KEYS, parseConfig } from '../../bot/config/config.js';
import { bicepOutputs, bicepParams, envFile, placeholderNames, read } from '../env/project-files.js';
import { bicepSites, sampleValue, type BicepSite } from './bicep-sites.js';

// Settings whose values are secrets: each must be a Key Vault reference, never a literal.
const SECRET_SETTINGS = ['AAD_APP_CLIENT_SECRET', 'BOT_PASSWORD', 'TOKEN_ENCRYPTION_KEY'];

const bicep = read('infra/azure.bicep');
const parameters = JSON.parse(read('infra/azure.parameters.json')) as { parameters: Record<string, unknown> };

/** `{ name: 'X' value: Y }` pairs of every app settings list in the template. */
function appSettings(): Map<string, string> {
  const pairs = [...bicep.matchAll(/name:\s*'(\w+)'\s*\n\s*value:\s*(.+)$/gm)];
  return new Map(pairs.map((m) => [m[1] as string, (m[2] as string).trim()]));
}

function serverAndWorker(): { server: BicepSite; worker: BicepSite } {
  const sites = bicepSites();
  const server = sites.find((s) => s.symbol === 'serverApp');
  const worker = sites.find((s) => s.symbol === 'workerApp');
  assert.ok(server && worker, 'the template declares serverApp and workerApp');
  return { server, worker };
}

/** The body of one resource declaration, up to the next top-level declaration. */
function resourceBody(type: string): string[] {
  const blocks = bicep.split(/\n(?=resource |output |var |param )/);
  return blocks.filter((b) => b.startsWith('resource ') && b.includes(`'${type}@`));
}

describe('infra/azure.bicep', () => {
  it('uses every parameter it declares', () => {
    const unused = bicepParams(bicep).filter((p) => bicep.split(new RegExp(`\\b${p}\\b`)).length < 3);
    assert.deepEqual(unused, []);
  });

  it('gets a value for every parameter without a default, and only for declared ones', () => {
    const declared = bicepParams(bicep);
    const withoutDefault = [...bicep.matchAll(/^param\s+(\w+)\s+\w+\s*$/gm)].map((m) => m[1] as string);
    const given = Object.keys(parameters.parameters);
    assert.deepEqual(
      given.filter((p) => !declared.includes(p)),
      [],
    );
    assert.deepEqual(
      withoutDefault.filter((p) => !given.includes(p)),
      [],
    );
  });

  it('takes every secret as a @secure parameter', () => {
    const params = JSON.stringify(parameters);
    for (const name of placeholderNames(params)) {
      if (!name.startsWith('SECRET_')) continue;
      const param = Object.entries(parameters.parameters).find(([, v]) =>
        JSON.stringify(v).includes(name),
      )?.[0];
      assert.match(
        bicep,
        new RegExp(`@secure\\(\\)\\n(@.*\\n)*param ${param} string`),
        `${param} must be @secure()`,
      );
    }
  });

  it('writes every output back to an env variable that the code or teamsapp.yml reads', () => {
    const outputs = bicepOutputs(bicep);
    assert.ok(outputs.length >= 4);
    const dev = envFile('dev');
    const lifecycle = placeholderNames(read('teamsapp.yml'));
    const used = new Set([
      ...placeholderNames(read('appPackage/manifest.json')),
      ...placeholderNames(read('aad.manifest.json')),
    ]);
    for (const output of outputs) {
      assert.ok(output in dev, `${output} should be declared in env/.env.dev`);
      const consumer =
        (CONFIG_KEYS as string[]).includes(output) || lifecycle.has(output) || used.has(output);
      assert.ok(consumer, `nothing reads the output ${output}`);
    }
  });

  it('sets only app settings that the code reads', () => {
    const names = [...appSettings().keys()];
    assert.ok(names.length > 10, 'app settings should be found in the template');
    const unknown = names.filter((n) => !(CONFIG_KEYS as string[]).includes(n));
    assert.deepEqual(unknown, []);
  });

  it("gives both apps Application Insights' connection string and leaves App Service's agent off", () => {
    // The apps' own telemetry strips query strings (test/telemetry); the agent would record them.
    for (const site of Object.values(serverAndWorker())) {
      assert.equal(
        site.settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING'),
        'appInsights.properties.ConnectionString',
        site.symbol,
      );
    }
    assert.doesNotMatch(bicep, /ApplicationInsightsAgent_EXTENSION_VERSION|XDT_MicrosoftApplicationInsights/);
  });

  it('hands secrets to App Service as Key Vault references only', () => {
    const settings = appSettings();
    for (const name of SECRET_SETTINGS) {
      assert.match(
        settings.get(name) ?? '',
        /^'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\.properties\.secretUri\}\)'$/,
        name,
      );
    }
    assert.equal(resourceBody('Microsoft.KeyVault/vaults/secrets').length, SECRET_SETTINGS.length);
  });

  it('keeps the server from running workers, since the worker app runs them', () => {
    const { server, worker } = serverAndWorker();
    assert.equal(server.settings.get('RUN_WORKER_IN_SERVER'), "'false'");
    assert.equal(worker.settings.get('RUN_WORKER_IN_SERVER'), undefined);
    assert.match(bicep, /capacity: workerCount/);
  });

  it('serves both apps over HTTPS only with TLS 1.2 or later, Node.js 24 on Linux, reading Key Vault as their identity', () => {
    const sites = resourceBody('Microsoft.Web/sites');
    assert.equal(sites.length, 2);
    for (const site of sites) {
      assert.match(site, /httpsOnly: true/);
      assert.match(site, /minTlsVersion: '1\.2'/);
      assert.match(site, /ftpsState: 'Disabled'/);
      assert.match(site, /linuxFxVersion: 'NODE\|24-lts'/);
      assert.match(site, /keyVaultReferenceIdentity: (server|worker)Identity\.id/);
    }
    assert.match(resourceBody('Microsoft.KeyVault/vaults')[0] ?? '', /enableRbacAuthorization: true/);
  });

  it('starts the compiled server and worker of the artifact, each in its own app, with source maps', () => {
    const { server, worker } = serverAndWorker();
    const build = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    assert.deepEqual(build.compilerOptions, { ...build.compilerOptions, outDir: 'dist', rootDir: '.' });
    assert.equal(server.commandLine, 'node --enable-source-maps dist/bot/main.js');
    assert.equal(worker.commandLine, 'node --enable-source-maps dist/bot/worker-main.js');
    // What those compiled files come from.
    read('bot/main.ts');
    read('bot/worker-main.ts');
  });

  it('gives each app every setting production requires, so both start: the configuration schema accepts them', () => {
    for (const site of bicepSites()) {
      const env = Object.fromEntries(
        [...site.settings].map(([name, expression]) => [name, sampleValue(expression)]),
      );
      assert.equal(env.NODE_ENV, 'production', site.symbol);
      assert.doesNotThrow(
        () => parseConfig(env, site.symbol === 'workerApp' ? 'worker' : 'server'),
        site.symbol,
      );
    }
  });

  it("points Graph's notifications at the server, which takes them while the worker app syncs", () => {
    const { server, worker } = serverAndWorker();
    const url = (site: BicepSite) => sampleValue(site.settings.get('PUBLIC_URL') ?? "''");
    // The worker subscribes with PUBLIC_URL/api/notifications: that address must be the server app's.
    assert.equal(url(worker), url(server));
    assert.equal(new URL(url(server)).hostname, sampleValue("'${serverAppName}.azurewebsites.net'"));
    assert.equal(worker.settings.get('GRAPH_NOTIFICATIONS'), undefined, 'notifications are on (the default)');
  });

  it('gives the app a database URL that production accepts: TLS with the certificate checked', () => {
    assert.match(bicep, /\?sslmode=verify-full'/);
    assert.doesNotMatch(bicep, /sslmode=(disable|allow|prefer|require)\b/);
  });

  describe('PostgreSQL sign-in with Microsoft Entra', () => {
    it('turns on Entra authentication on the server, keeping the password for the bootstrap administrator', () => {
      const server = resourceBody('Microsoft.DBforPostgreSQL/flexibleServers')[0] ?? '';
      assert.match(
        server,
        /authConfig: \{\s*activeDirectoryAuth: 'Enabled'\s*passwordAuth: 'Enabled'\s*tenantId: subscription\(\)\.tenantId\s*\}/,
      );
    });

    it('names an Entra administrator of the server from parameters', () => {
      const admins = resourceBody('Microsoft.DBforPostgreSQL/flexibleServers/administrators');
      assert.equal(admins.length, 1);
      const admin = admins[0] ?? '';
      assert.match(admin, /parent: postgres\n/);
      assert.match(admin, /name: postgresEntraAdminObjectId/);
      assert.match(admin, /principalName: postgresEntraAdminName/);
      assert.match(admin, /principalType: postgresEntraAdminType/);
      assert.match(admin, /tenantId: subscription\(\)\.tenantId/);
    });

    it('has each app sign in as its own managed identity’s role, with no password anywhere in its settings', () => {
      const { server, worker } = serverAndWorker();
      for (const [site, identity] of [
        [server, 'serverIdentity'],
        [worker, 'workerIdentity'],
      ] as const) {
        assert.equal(site.settings.get('DATABASE_AUTH'), "'entra'", site.symbol);
        assert.equal(
          site.settings.get('DATABASE_IDENTITY_CLIENT_ID'),
          `${identity}.properties.clientId`,
          site.symbol,
        );
        const url = new URL(sampleValue(site.settings.get('DATABASE_URL') ?? "''"));
        assert.equal(url.password, '', `${site.symbol}: no password in DATABASE_URL`);
        assert.equal(url.searchParams.get('sslmode'), 'verify-full');
        assert.equal(url.pathname, '/cloudsync');
        const expression = site.settings.get('DATABASE_URL') ?? '';
        const template = /^\w+$/.test(expression)
          ? (bicep.match(new RegExp(`^var ${expression} = (.+)$`, 'm'))?.[1] ?? '')
          : expression;
        assert.match(template, new RegExp(`^'postgres://\\$\\{${identity}\\.name\\}@`), site.symbol);
      }
      assert.doesNotMatch(bicep, /postgresAdminPassword\)?@/, 'the admin password is in no URL');
      assert.equal(
        bicep.match(/\bpostgresAdminPassword\b/g)?.length,
        2,
        'declared, and given to the server only',
      );
    });

    it('commits the SQL that creates the least-privilege roles the URLs name', () => {
      const script = read('infra/postgres-roles.sql');
      assert.match(script, /pgaadauth_create_principal\(:'server_role', false, false\)/);
      assert.match(script, /pgaadauth_create_principal\(:'worker_role', false, false\)/);
      const statements = script
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n');
      assert.doesNotMatch(statements, /(?<!NO)(SUPERUSER|CREATEDB|CREATEROLE)\b/);
      assert.doesNotMatch(
        statements,
        /pgaadauth_create_principal\([^)]*, true,/,
        'no Entra administrator role',
      );
      assert.match(bicep, /name: '\$\{resourceBaseName\}-server-identity'/);
      assert.match(bicep, /name: '\$\{resourceBaseName\}-worker-identity'/);
    });
  });

  it('registers the bot at /api/messages with the Teams channel', () => {
    assert.match(
      resourceBody('Microsoft.BotService/botServices')[0] ?? '',
      /endpoint: '\$\{publicUrl\}\/api\/messages'/,
    );
    assert.match(
      resourceBody('Microsoft.BotService/botServices/channels')[0] ?? '',
      /channelName: 'MsTeamsChannel'/,
    );
  });
  describe('least privilege and private networking', () => {
    const roleAssignments = () =>
      resourceBody('Microsoft.Authorization/roleAssignments').map((body) => ({
        scope: /^\s*scope: (\w+)/m.exec(body)?.[1],
        principal: /principalId: (\w+)\.properties\.principalId/.exec(body)?.[1],
      }));

    it('runs server and worker under separate identities, and the worker cannot read the bot password', () => {
      const { server, worker } = serverAndWorker();
      assert.match(server.body, /keyVaultReferenceIdentity: serverIdentity\.id/);
      assert.match(worker.body, /keyVaultReferenceIdentity: workerIdentity\.id/);
      assert.doesNotMatch(worker.body, /serverIdentity/);
      const grants = roleAssignments();
      assert.deepEqual(
        grants
          .filter((g) => g.principal === 'workerIdentity')
          .map((g) => g.scope)
          .sort(),
        ['aadAppClientSecretSecret', 'tokenEncryptionKeySecret'],
        'the worker is granted each of its secrets, never the vault nor bot-password',
      );
      assert.deepEqual(
        grants.filter((g) => g.principal === 'serverIdentity').map((g) => g.scope),
        ['keyVault'],
      );
      assert.equal(worker.settings.get('BOT_PASSWORD'), undefined);
      assert.equal(worker.settings.get('BOT_ID'), undefined);
      assert.match(server.settings.get('BOT_PASSWORD') ?? '', /botPasswordSecret/);
    });

    it('gives PostgreSQL no public access: a delegated subnet and private DNS, no firewall rule', () => {
      assert.equal(resourceBody('Microsoft.DBforPostgreSQL/flexibleServers/firewallRules').length, 0);
      assert.doesNotMatch(bicep, /0\.0\.0\.0/);
      const server = resourceBody('Microsoft.DBforPostgreSQL/flexibleServers')[0] ?? '';
      assert.match(server, /delegatedSubnetResourceId: postgresSubnetId/);
      assert.match(server, /privateDnsZoneArmResourceId: postgresDnsZone\.id/);
      assert.match(bicep, /serviceName: 'Microsoft\.DBforPostgreSQL\/flexibleServers'/);
      for (const { body } of bicepSites()) {
        assert.match(body, /virtualNetworkSubnetId: (server|worker)SubnetId/);
        assert.match(body, /vnetRouteAllEnabled: true/);
      }
    });

    it('denies Key Vault by default, allowing the app subnets and trusted Azure services', () => {
      const vault = resourceBody('Microsoft.KeyVault/vaults')[0] ?? '';
      assert.match(vault, /defaultAction: 'Deny'/);
      assert.match(vault, /bypass: 'AzureServices'/);
      assert.match(vault, /\{ id: serverSubnetId \}/);
      assert.match(vault, /\{ id: workerSubnetId \}/);
      assert.equal((bicep.match(/service: 'Microsoft\.KeyVault'/g) ?? []).length, 2);
    });
  });
});
