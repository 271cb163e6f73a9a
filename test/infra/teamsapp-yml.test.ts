import { strict as assert } from 'node:assert';
import { ARTIFACT_CONTENT } from '../../scripts/build-artifact.js';
import { parse } from 'yaml';
import { bicepOutputs, read } from '../env/project-files.js';

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
interface Lifecycle {
  version: string;
  environmentFolderPath?: string;
  provision: Step[];
  deploy: Step[];
  publish?: Step[];
}

const load = (file: string) => parse(read(file)) as Lifecycle;
const actions = (steps: Step[]) => steps.map((s) => s.uses);

/** Asserts that `expected` appear in `steps` in this order (other steps may sit between them). */
function assertInOrder(steps: Step[], expected: string[]): void {
  let from = 0;
  for (const action of expected) {
    const at = actions(steps).indexOf(action, from);
    assert.ok(at >= 0, `${action} missing or out of order in ${actions(steps).join(' → ')}`);
    from = at + 1;
  }
}

const PACKAGE_STEPS = [
  'teamsApp/validateManifest',
  'teamsApp/zipAppPackage',
  'teamsApp/validateAppPackage',
  'teamsApp/update',
];

describe('teamsapp.yml', () => {
  const yml = load('teamsapp.yml');

  it('provisions the Entra app, the bot identity and Azure before packaging the Teams app', () => {
    assert.equal(yml.environmentFolderPath, './env');
    assertInOrder(yml.provision, [
      'teamsApp/create',
      'aadApp/create',
      'botAadApp/create',
      'arm/deploy',
      'aadApp/update',
      ...PACKAGE_STEPS,
    ]);
  });

  it('keeps the Entra and bot secrets in SECRET_ variables (the .user file)', () => {
    const steps = [...yml.provision];
    const aad = steps.find((s) => s.uses === 'aadApp/create');
    const bot = steps.find((s) => s.uses === 'botAadApp/create');
    assert.equal(aad?.with?.generateClientSecret, true);
    assert.equal(aad?.writeToEnvironmentFile?.clientSecret, 'SECRET_AAD_APP_CLIENT_SECRET');
    assert.equal(bot?.writeToEnvironmentFile?.botPassword, 'SECRET_BOT_PASSWORD');
    assert.equal(aad?.writeToEnvironmentFile?.clientId, 'AAD_APP_CLIENT_ID');
    assert.equal(bot?.writeToEnvironmentFile?.botId, 'BOT_ID');
  });

  it('deploys the Bicep template with its parameters and updates the Entra app from aad.manifest.json', () => {
    const arm = yml.provision.find((s) => s.uses === 'arm/deploy');
    const templates = arm?.with?.templates as { path: string; parameters: string }[];
    assert.deepEqual(
      templates.map((t) => [t.path, t.parameters]),
      [['./infra/azure.bicep', './infra/azure.parameters.json']],
    );
    const update = yml.provision.find((s) => s.uses === 'aadApp/update');
    assert.equal(update?.with?.manifestPath, './aad.manifest.json');
  });

  it('builds the artifact, then zip-deploys it to the server and the worker apps that the Bicep outputs', () => {
    assertInOrder(yml.deploy, ['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    const args = yml.deploy.filter((s) => s.uses === 'cli/runNpmCommand').map((s) => String(s.with?.args));
    assert.ok(args[0]?.startsWith('ci') && args[1] === 'run artifact', args.join(', '));
    const targets = yml.deploy
      .filter((s) => s.uses === 'azureAppService/zipDeploy')
      .map((s) => String(s.with?.resourceId).replace(/^\$\{\{(\w+)\}\}$/, '$1'));
    const outputs = bicepOutputs(read('infra/azure.bicep'));
    assert.deepEqual(targets, ['BOT_AZURE_APP_SERVICE_RESOURCE_ID', 'WORKER_AZURE_APP_SERVICE_RESOURCE_ID']);
    assert.deepEqual(
      targets.filter((t) => !outputs.includes(t)),
      [],
    );
  });

  it('uploads the artifact alone: compiled code and production dependencies, never secrets or local data', () => {
    for (const step of yml.deploy.filter((s) => s.uses === 'azureAppService/zipDeploy')) {
      assert.equal(step.with?.artifactFolder, './.deploy/app');
    }
    assert.deepEqual(ARTIFACT_CONTENT, ['dist', 'tab/dist', 'package.json', 'package-lock.json', '.npmrc']);
  });

  it('publishes the package to the organisation catalog', () => {
    assertInOrder(yml.publish ?? [], [...PACKAGE_STEPS, 'teamsApp/publishAppPackage']);
  });
});

describe('teamsapp.local.yml', () => {
  const yml = load('teamsapp.local.yml');

  it('registers the apps and the bot for a tunnelled local server, then packages the Teams app', () => {
    assertInOrder(yml.provision, [
      'teamsApp/create',
      'aadApp/create',
      'aadApp/update',
      'botAadApp/create',
      'botFramework/create',
      ...PACKAGE_STEPS,
    ]);
    const bot = yml.provision.find((s) => s.uses === 'botFramework/create');
    assert.equal(bot?.with?.messagingEndpoint, '${{PUBLIC_URL}}/api/messages');
    assert.deepEqual(bot?.with?.channels, [{ name: 'msteams' }]);
  });

  it('hands the server its secrets only through the git-ignored user file', () => {
    const file = yml.deploy.find((s) => s.uses === 'file/createOrUpdateEnvironmentFile');
    assert.equal(file?.with?.target, './env/.env.local.user');
    const envs = file?.with?.envs as Record<string, unknown>;
    assert.equal(envs.BOT_PASSWORD, '${{SECRET_BOT_PASSWORD}}');
    assert.equal(envs.AAD_APP_CLIENT_SECRET, '${{SECRET_AAD_APP_CLIENT_SECRET}}');
    assert.equal(envs.USE_EMULATOR, false);
    assert.match(read('.gitignore'), /^env\/\.env\.\*\.user$/m);
  });
});
