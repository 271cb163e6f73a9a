import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseConfig, ConfigError } from '../../bot/config/config.js';
import { loadConfig } from '../../bot/config/env-files.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults for a local run against the emulator', () => {
    const c = parseConfig({});
    assert.equal(c.PORT, 3978);
    assert.equal(c.USE_EMULATOR, true);
    assert.equal(c.M365_AUTHORITY_HOST, 'https://localhost:4433');
    assert.equal(c.GRAPH_BASE_URL, 'https://localhost:4433');
    assert.equal(c.SQLITE_PATH, 'data/cloud-sync.db');
    assert.deepEqual(c.MAIL_FOLDERS, ['inbox', 'sentitems']);
    assert.ok(c.SYNC_SCOPES.includes('Mail.Read'));
  });

  it('points at Microsoft when the emulator is off', () => {
    const c = parseConfig({
      USE_EMULATOR: 'false',
      AAD_APP_CLIENT_ID: '0b5a1e3c-1111-4a2b-9c3d-222222222222',
      AAD_APP_CLIENT_SECRET: 'x',
    });
    assert.equal(c.M365_AUTHORITY_HOST, 'https://login.microsoftonline.com');
    assert.equal(c.GRAPH_BASE_URL, 'https://graph.microsoft.com');
  });

  it('names every bad variable and what it should look like', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      TOKEN_ENCRYPTION_KEY: 'short',
      M365_AUTHORITY_HOST: 'http://login.example',
      IT_ADMINS: '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51/a1000000-0000-4000-8000-000000000004, it@contoso.com',
    });
    const text = problems.join('\n');
    assert.match(text, /^PORT must be a whole number/m);
    assert.match(text, /^DATABASE_URL must be a PostgreSQL URL/m);
    assert.match(text, /^TOKEN_ENCRYPTION_KEY must be 32 bytes/m);
    assert.match(text, /^M365_AUTHORITY_HOST must start with https:\/\//m);
    assert.match(text, /^IT_ADMINS\.1 each entry must be <tenant id>\/<object id>/m);
    assert.equal(problems.length, 5);
  });

  it('takes an Application Insights connection string and refuses anything else, naming the variable', () => {
    const good =
      'InstrumentationKey=0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
    assert.equal(
      parseConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: good }).APPLICATIONINSIGHTS_CONNECTION_STRING,
      good,
    );
    for (const bad of [
      '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      'InstrumentationKey=abc;IngestionEndpoint=https://x',
    ])
      assert.match(
        problemsOf({ APPLICATIONINSIGHTS_CONNECTION_STRING: bad }).join('\n'),
        /^APPLICATIONINSIGHTS_CONNECTION_STRING must be an Application Insights connection string/m,
      );
  });

  it('refuses production without a vault key or with the emulator', () => {
    const text = problemsOf({ NODE_ENV: 'production' }).join('\n');
    assert.match(text, /TOKEN_ENCRYPTION_KEY is required in production/);
    assert.match(text, /USE_EMULATOR must be false in production/);
  });

  /** A production configuration that is safe, then one unsafe change at a time. */
  describe('production refuses unsafe settings, naming the variable', () => {
    const safe = {
      NODE_ENV: 'production',
      USE_EMULATOR: 'false',
      AAD_APP_CLIENT_ID: '0b5a1e3c-1111-4a2b-9c3d-222222222222',
      AAD_APP_CLIENT_SECRET: 'x',
      BOT_ID: '0b5a1e3c-3333-4a2b-9c3d-444444444444',
      BOT_PASSWORD: 'y',
      PUBLIC_URL: 'https://sync.example.com',
      DATABASE_URL: 'postgres://app@db.example.com:5432/cloudsync?sslmode=verify-full',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };

    it('accepts the safe production configuration', () => {
      assert.equal(parseConfig(safe).PUBLIC_URL, 'https://sync.example.com');
    });

    const unsafe: [string, Record<string, string | undefined>, RegExp][] = [
      ['no BOT_ID (unauthenticated bot)', { BOT_ID: undefined, BOT_PASSWORD: undefined }, /^BOT_ID /m],
      ['PUBLIC_URL unset', { PUBLIC_URL: undefined }, /^PUBLIC_URL .*https/m],
      ['PUBLIC_URL over http', { PUBLIC_URL: 'http://sync.example.com' }, /^PUBLIC_URL .*https/m],
      [
        'DATABASE_URL with sslmode=disable',
        { DATABASE_URL: 'postgres://app@db.example.com/cloudsync?sslmode=disable' },
        /^DATABASE_URL .*sslmode=verify-full/m,
      ],
      [
        'DATABASE_URL with sslmode=require (no certificate check in pg 9)',
        { DATABASE_URL: 'postgres://app@db.example.com/cloudsync?sslmode=require' },
        /^DATABASE_URL .*sslmode=verify-full/m,
      ],
      [
        'DATABASE_URL without sslmode',
        { DATABASE_URL: 'postgres://app@db.example.com/cloudsync' },
        /^DATABASE_URL .*sslmode=verify-full/m,
      ],
      [
        'another BOT_TOKEN_ISSUER',
        { BOT_TOKEN_ISSUER: 'https://issuer.example' },
        /^BOT_TOKEN_ISSUER .*https:\/\/api\.botframework\.com/m,
      ],
      [
        'an all-zero TOKEN_ENCRYPTION_KEY',
        { TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') },
        /^TOKEN_ENCRYPTION_KEY .*random/m,
      ],
      [
        'a low-entropy TOKEN_ENCRYPTION_KEY',
        { TOKEN_ENCRYPTION_KEY: Buffer.from('abcdabcdabcdabcdabcdabcdabcdabcd').toString('base64') },
        /^TOKEN_ENCRYPTION_KEY .*random/m,
      ],
      [
        'a low-entropy previous key',
        { TOKEN_ENCRYPTION_PREVIOUS_KEYS: Buffer.alloc(32, 7).toString('base64') },
        /^TOKEN_ENCRYPTION_PREVIOUS_KEYS .*random/m,
      ],
    ];
    for (const [what, change, message] of unsafe) {
      it(`refuses ${what}`, () => {
        const env = Object.fromEntries(
          Object.entries({ ...safe, ...change }).filter((e): e is [string, string] => e[1] !== undefined),
        );
        const problems = problemsOf(env);
        assert.match(problems.join('\n'), message);
      });
    }

    it('lets a sync worker run without the bot credentials, and refuses to give it the bot password', () => {
      const worker = { ...safe, BOT_ID: undefined, BOT_PASSWORD: undefined };
      const env = Object.fromEntries(
        Object.entries(worker).filter((e): e is [string, string] => e[1] !== undefined),
      );
      assert.equal(parseConfig(env, 'worker').BOT_PASSWORD, undefined);
      assert.throws(() => parseConfig(env, 'server'), /BOT_ID is required in production/);
      assert.throws(
        () => parseConfig({ ...env, BOT_PASSWORD: 'y' }, 'worker'),
        /BOT_PASSWORD must not be given to a sync worker in production/,
      );
      // The worker keeps every other production rule.
      assert.throws(
        () => parseConfig({ ...env, PUBLIC_URL: 'http://sync.example.com' }, 'worker'),
        /PUBLIC_URL .*https/,
      );
    });

    describe('DATABASE_AUTH=entra (PostgreSQL sign-in with the managed identity)', () => {
      const entra = {
        ...safe,
        DATABASE_AUTH: 'entra',
        DATABASE_URL:
          'postgres://cloudsync-server-identity@db.example.com:5432/cloudsync?sslmode=verify-full',
        DATABASE_IDENTITY_CLIENT_ID: '0b5a1e3c-5555-4a2b-9c3d-666666666666',
      };

      it('accepts a URL that names the identity’s role and carries no password', () => {
        const c = parseConfig(entra);
        assert.equal(c.DATABASE_AUTH, 'entra');
        assert.equal(c.DATABASE_IDENTITY_CLIENT_ID, entra.DATABASE_IDENTITY_CLIENT_ID);
        assert.equal(parseConfig(safe).DATABASE_AUTH, 'password', 'password sign-in stays the default');
      });

      const refused: [string, Record<string, string | undefined>, RegExp][] = [
        [
          'a DATABASE_URL that carries a password',
          { DATABASE_URL: 'postgres://app:secret@db.example.com:5432/cloudsync?sslmode=verify-full' },
          /^DATABASE_URL must not carry a password with DATABASE_AUTH=entra/m,
        ],
        [
          'a DATABASE_URL without sslmode=verify-full',
          { DATABASE_URL: 'postgres://app@db.example.com:5432/cloudsync?sslmode=require' },
          /^DATABASE_URL .*sslmode=verify-full/m,
        ],
        [
          'a DATABASE_URL without the role',
          { DATABASE_URL: 'postgres://db.example.com:5432/cloudsync?sslmode=verify-full' },
          /^DATABASE_URL must name the database role of the managed identity/m,
        ],
        [
          'no DATABASE_URL (SQLite)',
          { DATABASE_URL: undefined },
          /^DATABASE_URL is required with DATABASE_AUTH=entra/m,
        ],
        [
          'an unknown DATABASE_AUTH',
          { DATABASE_AUTH: 'kerberos' },
          /^DATABASE_AUTH must be password or entra/m,
        ],
        [
          'an identity client id that is not a GUID',
          { DATABASE_IDENTITY_CLIENT_ID: 'server-identity' },
          /^DATABASE_IDENTITY_CLIENT_ID must be the client id/m,
        ],
        [
          'an identity client id with password sign-in',
          { DATABASE_AUTH: 'password', DATABASE_URL: safe.DATABASE_URL },
          /^DATABASE_IDENTITY_CLIENT_ID is only used with DATABASE_AUTH=entra/m,
        ],
      ];
      for (const [what, change, message] of refused) {
        it(`refuses ${what}`, () => {
          const env = Object.fromEntries(
            Object.entries({ ...entra, ...change }).filter((e): e is [string, string] => e[1] !== undefined),
          );
          assert.match(problemsOf(env).join('\n'), message);
        });
      }

      it('refuses a password in the URL outside production too', () => {
        assert.throws(
          () =>
            parseConfig({
              DATABASE_AUTH: 'entra',
              DATABASE_URL: 'postgres://app:secret@localhost/cloudsync',
            }),
          /DATABASE_URL must not carry a password with DATABASE_AUTH=entra/,
        );
      });
    });

    it('lets a local run keep its defaults (no BOT_ID, http on localhost, no TLS to a local database)', () => {
      const c = parseConfig({ DATABASE_URL: 'postgres://localhost/cloudsync' });
      assert.equal(c.BOT_ID, undefined);
      assert.equal(c.PUBLIC_URL, 'http://localhost:3978');
    });
  });

  it('requires the app registration for a real tenant', () => {
    const text = problemsOf({ USE_EMULATOR: 'false' }).join('\n');
    assert.match(text, /AAD_APP_CLIENT_ID is required when USE_EMULATOR=false/);
    assert.match(text, /AAD_APP_CLIENT_SECRET is required when USE_EMULATOR=false/);
  });

  it('refuses a single-tenant app without its tenant, since Entra refuses it on /organizations (AADSTS50194)', () => {
    const tenants: Record<string, string>[] = [
      {},
      { M365_TENANT_ID: 'organizations' },
      { M365_TENANT_ID: 'Common' },
    ];
    for (const tenant of tenants) {
      const text = problemsOf({ AAD_APP_SIGN_IN_AUDIENCE: 'AzureADMyOrg', ...tenant }).join('\n');
      assert.match(text, /M365_TENANT_ID must be your tenant id .* AAD_APP_SIGN_IN_AUDIENCE=AzureADMyOrg/);
    }
    const single = parseConfig({ AAD_APP_SIGN_IN_AUDIENCE: 'AzureADMyOrg', M365_TENANT_ID: 'contoso.com' });
    assert.equal(single.M365_TENANT_ID, 'contoso.com');
    assert.equal(parseConfig({}).AAD_APP_SIGN_IN_AUDIENCE, 'AzureADMultipleOrgs');
    assert.match(
      problemsOf({ AAD_APP_SIGN_IN_AUDIENCE: 'AzureADandPersonalMicrosoftAccount' }).join('\n'),
      /AAD_APP_SIGN_IN_AUDIENCE must be AzureADMultipleOrgs/,
    );
  });

  describe('env files', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(path.join(tmpdir(), 'cfg-'));
      mkdirSync(path.join(root, 'env'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('reads env/.env.<name> then .user, and the real environment wins', () => {
      writeFileSync(path.join(root, 'env', '.env.local'), 'PORT=4000\nLOG_LEVEL=debug\n');
      writeFileSync(path.join(root, 'env', '.env.local.user'), 'PORT=4001\n');
      const c = loadConfig({ rootDir: root, env: { LOG_LEVEL: 'warn' } });
      assert.equal(c.PORT, 4001);
      assert.equal(c.LOG_LEVEL, 'warn');
    });

    it('generates a vault key once for a local run and reuses it', () => {
      const first = loadConfig({ rootDir: root, env: {}, generateLocalKey: true });
      assert.equal(Buffer.from(first.TOKEN_ENCRYPTION_KEY ?? '', 'base64').length, 32);
      const second = loadConfig({ rootDir: root, env: {}, generateLocalKey: true });
      assert.equal(second.TOKEN_ENCRYPTION_KEY, first.TOKEN_ENCRYPTION_KEY);
      const file = readFileSync(path.join(root, 'env', '.env.local.user'), 'utf8');
      assert.equal(file.match(/TOKEN_ENCRYPTION_KEY=/g)?.length, 1);
    });

    it('never generates a key in production', () => {
      const key = randomBytes(32).toString('base64');
      assert.throws(
        () =>
          loadConfig({
            rootDir: root,
            env: { NODE_ENV: 'production', USE_EMULATOR: 'false' },
            generateLocalKey: true,
          }),
        /TOKEN_ENCRYPTION_KEY is required in production/,
      );
      const c = loadConfig({
        rootDir: root,
        env: {
          NODE_ENV: 'production',
          USE_EMULATOR: 'false',
          TOKEN_ENCRYPTION_KEY: key,
          AAD_APP_CLIENT_ID: '0b5a1e3c-1111-4a2b-9c3d-222222222222',
          AAD_APP_CLIENT_SECRET: 's',
          BOT_ID: '0b5a1e3c-3333-4a2b-9c3d-444444444444',
          BOT_PASSWORD: 'p',
          PUBLIC_URL: 'https://sync.example.com',
        },
      });
      assert.equal(c.TOKEN_ENCRYPTION_KEY, key);
    });
  });
});
