import { strict as assert } from 'node:assert';
import { CONFIG_KEYS, parseConfig, ConfigError } from '../../bot/config/config.js';
import { bicepOutputs, envFile, placeholderNames, placeholdersUsedByInfra, read } from './project-files.js';

// Read by the code but secret: never in a committed env file (they go to .user files and Key Vault).
const SECRETS = [
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_ENCRYPTION_PREVIOUS_KEYS',
  'AAD_APP_CLIENT_SECRET',
  'BOT_PASSWORD',
  'DATABASE_URL',
];

// The schema lets these be empty (the emulator needs none of them), but a real tenant does: the
// manifest, tab SSO and bot authentication are built from them.
const NEEDED_FOR_TEAMS = ['PUBLIC_URL', 'AAD_APP_ID_URI', 'BOT_ID', 'M365_TENANT_ID', 'IT_ADMINS'];

/** Variables the schema itself demands once the emulator is off in production. */
function requiredByConfigForRealTenant(): string[] {
  try {
    parseConfig({ NODE_ENV: 'production', USE_EMULATOR: 'false' });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => p.split(' ')[0] as string);
  }
  return assert.fail('a production config with nothing set should be refused');
}

describe('env files', () => {
  const infra = placeholdersUsedByInfra();
  const outputs = bicepOutputs(read('infra/azure.bicep'));
  const config = new Set<string>(CONFIG_KEYS);

  for (const name of ['local', 'dev']) {
    it(`every variable in env/.env.${name} is read by the code or the infra`, () => {
      const unread = Object.keys(envFile(name)).filter(
        (k) => !config.has(k) && !infra.has(k) && !outputs.includes(k),
      );
      assert.deepEqual(unread, []);
    });

    it(`env/.env.${name} holds no secret`, () => {
      const env = envFile(name);
      const leaked = Object.keys(env).filter(
        (k) => (SECRETS.includes(k) || k.startsWith('SECRET_')) && env[k],
      );
      assert.deepEqual(leaked, []);
      assert.deepEqual(
        SECRETS.filter((k) => k in env),
        [],
      );
    });
  }

  it('env/.env.local lists every non-secret variable the code reads', () => {
    const env = envFile('local');
    assert.deepEqual(
      CONFIG_KEYS.filter((k) => !SECRETS.includes(k) && !(k in env)),
      [],
    );
  });

  it('env/.env.dev provides, or says where to put, every variable a real tenant needs', () => {
    const required = requiredByConfigForRealTenant();
    assert.ok(required.includes('AAD_APP_CLIENT_ID') && required.includes('TOKEN_ENCRYPTION_KEY'));
    const env = envFile('dev');
    const text = read('env/.env.dev');
    for (const key of [...required, ...NEEDED_FOR_TEAMS]) {
      const documentedSecret = SECRETS.includes(key) && text.includes(key);
      assert.ok(key in env || documentedSecret, `${key} is missing from env/.env.dev`);
    }
    assert.equal(env.USE_EMULATOR, 'false');
  });

  const lifecycles = [
    {
      env: 'dev',
      files: ['teamsapp.yml', 'aad.manifest.json', 'appPackage/manifest.json', 'infra/azure.parameters.json'],
    },
    { env: 'local', files: ['teamsapp.local.yml', 'aad.manifest.json', 'appPackage/manifest.json'] },
  ];
  for (const { env: name, files } of lifecycles) {
    it(`every variable the ${name} lifecycle fills in is in env/.env.${name}, written by a step, or a documented secret`, () => {
      const env = envFile(name);
      const text = read(`env/.env.${name}`);
      const lifecycle = read(files[0] as string);
      const writtenBySteps = new Set(
        [...lifecycle.matchAll(/^\s+\w+:\s+([A-Z][A-Z0-9_]+)\s*$/gm)].map((m) => m[1] as string),
      );
      const used = new Set(files.flatMap((f) => [...placeholderNames(read(f))]));
      const undefinedVars = [...used].filter(
        (k) => !(k in env) && !writtenBySteps.has(k) && !(k.startsWith('SECRET_') && text.includes(k)),
      );
      assert.deepEqual(undefinedVars, []);
    });
  }
});
