import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from '../../bot/store/store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const cli = path.join(root, 'bot', 'crm', 'import-cli.ts');
const demo = path.join(root, 'bot', 'crm', 'demo-crm.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run crm:import', function () {
  let dir: string;
  let sqlitePath: string;

  // The command runs in an empty folder so no env file of the checkout is read.
  function run(...args: string[]): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: sqlitePath, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.TEAMSFX_ENV;
    return new Promise((resolve) => {
      execFile(tsx, [cli, ...args], { cwd: dir, env }, (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  }

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-crm-cli-'));
    sqlitePath = path.join(dir, 'data', 'store.db');
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a file into the configured store and exits 0, then 1 when rows are rejected', async function () {
    const ok = await run(demo);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /users\s+6 created/);
    assert.match(ok.stdout, /No rows rejected/);

    const store = createStore({ sqlitePath });
    try {
      const users = await store.db.selectFrom('crm_users').select('work_email').execute();
      assert.equal(users.length, 6);
    } finally {
      await store.close();
    }

    const csv = path.join(dir, 'bad.csv');
    await writeFile(
      csv,
      'type,tenant,name,email\nuser,6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51,Zed,not-an-email\n',
    );
    const rejected = await run(csv);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stdout, /line 2: email is not an e-mail address/);
  });

  it('exits 2 with the usage when no file is given', async function () {
    const none = await run();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: npm run crm:import -- FILE/);
  });
});
