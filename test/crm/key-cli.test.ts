import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashServiceKey, tenantOfServiceKey } from '../../bot/crm/service-keys.js';
import { createStore } from '../../bot/store/store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const importCli = path.join(root, 'bot', 'crm', 'import-cli.ts');
const keyCli = path.join(root, 'bot', 'crm', 'key-cli.ts');
const demo = path.join(root, 'bot', 'crm', 'demo-crm.json');
// bot/crm/demo-crm.json
const CONTOSO = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run crm:key', function () {
  let dir: string;
  let sqlitePath: string;

  // The command runs in an empty folder so no env file of the checkout is read.
  function run(cli: string, ...args: string[]): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: sqlitePath, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.TEAMSFX_ENV;
    return new Promise((resolve) => {
      execFile(tsx, [cli, ...args], { cwd: dir, env }, (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  }

  async function withStore<T>(work: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> {
    const store = createStore({ sqlitePath });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-crm-key-'));
    sqlitePath = path.join(dir, 'data', 'store.db');
    const imported = await run(importCli, demo);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a new key once, stores only its hash, and revokes the older key on rotation', async function () {
    const first = await run(keyCli, CONTOSO);
    assert.equal(first.code, 0, first.stderr);
    const key = first.stdout.trim();
    assert.match(key, /^crmk_\S{40,}$/);
    assert.match(first.stderr, /not shown again/);

    await withStore(async (store) => {
      assert.equal(await tenantOfServiceKey(store.db, key), CONTOSO);
      const rows = await store.db.selectFrom('crm_service_keys').select(['key_hash']).execute();
      assert.deepEqual(rows, [{ key_hash: hashServiceKey(key) }]);
    });

    const second = await run(keyCli, CONTOSO);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /1 older key\(s\) revoked/);
    await withStore(async (store) => {
      assert.equal(await tenantOfServiceKey(store.db, key), undefined);
      assert.equal(await tenantOfServiceKey(store.db, second.stdout.trim()), CONTOSO);
    });

    const revoked = await run(keyCli, CONTOSO, '--revoke');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, '');
    await withStore(async (store) => {
      assert.equal(await tenantOfServiceKey(store.db, second.stdout.trim()), undefined);
    });
  });

  it('refuses an unknown tenant (exit 1) and wrong usage (exit 2) without issuing a key', async function () {
    const unknown = await run(keyCli, '00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /No tenant/);
    const usage = await run(keyCli, CONTOSO, '--rotate');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: npm run crm:key/);
    const live = await withStore((store) =>
      store.db.selectFrom('crm_service_keys').select('id').where('revoked_at', 'is', null).execute(),
    );
    assert.deepEqual(live, []);
  });
});
