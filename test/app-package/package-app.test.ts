import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { buildAppPackage, fillPlaceholders, PackageError } from '../../scripts/package-app.js';
import { ROOT } from '../env/project-files.js';
import { SAMPLE_ENV } from './sample-env.js';

const envText = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** A throwaway project root holding the real app package and an env file of our choosing. */
function tempProject(env: Record<string, string>, userEnv: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'cloud-sync-package-'));
  mkdirSync(path.join(root, 'appPackage'));
  mkdirSync(path.join(root, 'env'));
  for (const file of ['manifest.json', 'color.png', 'outline.png']) {
    copyFileSync(path.join(ROOT, 'appPackage', file), path.join(root, 'appPackage', file));
  }
  writeFileSync(path.join(root, 'env', '.env.test'), envText(env));
  writeFileSync(path.join(root, 'env', '.env.test.user'), envText(userEnv));
  return root;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PackageError, String(err));
    return err;
  }
  return assert.fail('expected the package to be refused');
}

describe('npm run package (scripts/package-app.ts)', () => {
  const roots: string[] = [];
  const project = (env: Record<string, string>, userEnv?: Record<string, string>) => {
    const root = tempProject(env, userEnv);
    roots.push(root);
    return root;
  };
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('writes appPackage/build/appPackage.<env>.zip with the filled manifest and both icons', async () => {
    const { PUBLISHER_TERMS_URL, ...inFile } = SAMPLE_ENV;
    const root = project(inFile, { PUBLISHER_TERMS_URL: PUBLISHER_TERMS_URL as string });
    const out = await buildAppPackage({ rootDir: root, envName: 'test' });
    assert.equal(out, path.join(root, 'appPackage', 'build', 'appPackage.test.zip'));

    const zip = await JSZip.loadAsync(readFileSync(out));
    assert.deepEqual(Object.keys(zip.files).sort(), ['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    assert.equal(manifest.id, SAMPLE_ENV.TEAMS_APP_ID);
    assert.equal(manifest.bots[0].botId, SAMPLE_ENV.BOT_ID);
    assert.equal(manifest.staticTabs[1].contentUrl, `${SAMPLE_ENV.PUBLIC_URL}/tab/`);
    assert.equal(manifest.developer.termsOfUseUrl, PUBLISHER_TERMS_URL, 'values from the .user file count');
    assert.ok(!JSON.stringify(manifest).includes('${{'));
    const icon = await zip.file('outline.png')!.async('nodebuffer');
    assert.ok(icon.equals(readFileSync(path.join(ROOT, 'appPackage', 'outline.png'))));
  });

  it('lets the real environment override the env file', async () => {
    const root = project({ ...SAMPLE_ENV, BOT_ID: '' });
    const botId = '11111111-2222-4333-8444-555555555555';
    const out = await buildAppPackage({ rootDir: root, envName: 'test', overrides: { BOT_ID: botId } });
    const zip = await JSZip.loadAsync(readFileSync(out));
    assert.equal(JSON.parse(await zip.file('manifest.json')!.async('string')).bots[0].botId, botId);
  });

  it('refuses, naming each one, placeholders left unfilled', async () => {
    const root = project({ ...SAMPLE_ENV, BOT_ID: '', AAD_APP_CLIENT_ID: '' });
    const err = await rejection(buildAppPackage({ rootDir: root, envName: 'test' }));
    assert.match(
      err.message,
      /Unfilled placeholders in appPackage\/manifest\.json: BOT_ID, AAD_APP_CLIENT_ID\./,
    );
  });

  it('refuses a manifest that breaks the schema once filled, saying where', async () => {
    const root = project({ ...SAMPLE_ENV, PUBLIC_HOSTNAME: 'x', TEAMS_APP_ID: 'not-a-guid' });
    const err = await rejection(buildAppPackage({ rootDir: root, envName: 'test' }));
    assert.match(err.message, /breaks the Teams schema/);
    assert.match(err.message, /^\s+\/id /m);
  });

  it('refuses an unknown env', async () => {
    const root = project(SAMPLE_ENV);
    assert.match(
      (await rejection(buildAppPackage({ rootDir: root, envName: 'prod' }))).message,
      /env\/\.env\.prod/,
    );
    assert.match(
      (await rejection(buildAppPackage({ rootDir: root, envName: '../x' }))).message,
      /not an env name/,
    );
  });

  it('packages env local of a fresh clone as the local stack (Agents Playground bot, server defaults)', async () => {
    const root = project({});
    copyFileSync(path.join(ROOT, 'env', '.env.local'), path.join(root, 'env', '.env.local'));
    copyFileSync(path.join(ROOT, '.m365agentsplayground.yml'), path.join(root, '.m365agentsplayground.yml'));
    const out = await buildAppPackage({ rootDir: root, envName: 'local' });
    assert.equal(path.basename(out), 'appPackage.local.zip');
    const zip = await JSZip.loadAsync(readFileSync(out));
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
    const playgroundBot = /^\s+id: (\S+)$/m.exec(
      readFileSync(path.join(ROOT, '.m365agentsplayground.yml'), 'utf8').split('bot:')[1] ?? '',
    )?.[1];
    assert.equal(manifest.bots[0].botId, playgroundBot);
    const tab = manifest.staticTabs.find((t: { entityId: string }) => t.entityId === 'sync-health');
    assert.equal(tab.contentUrl, 'http://localhost:3978/tab/');
    assert.deepEqual(manifest.validDomains, ['localhost']);
    assert.equal(manifest.webApplicationInfo.id, '11111111-2222-4333-8444-555555555555');
    assert.match(manifest.id, /^[0-9a-f-]{36}$/);
  });

  it('escapes values so they cannot break out of their JSON string', () => {
    const filled = fillPlaceholders('{"name": "${{PUBLISHER_NAME}}"}', {
      PUBLISHER_NAME: 'A "quoted" \\ name',
    });
    assert.deepEqual(JSON.parse(filled), { name: 'A "quoted" \\ name' });
  });

  it('exits non-zero on the command line and names what is missing', () => {
    const root = project({ ...SAMPLE_ENV, TEAMS_APP_ID: '' });
    const result = spawnSync(
      process.execPath,
      // tsx is resolved from this repo, since the temporary project has no node_modules.
      ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'scripts', 'package-app.ts'), '--env', 'test'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, TEAMS_APP_ID: '' } },
    );
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /Unfilled placeholders in appPackage\/manifest\.json: TEAMS_APP_ID\./);
  });
});
