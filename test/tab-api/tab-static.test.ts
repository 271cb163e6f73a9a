import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerTabStatic } from '../../bot/tab-api/tab-static.js';
import { createLogger } from '../../bot/logging/logger.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';

describe('tab static files (bot/tab-api/tab-static)', function () {
  let dir: string;
  let http: HttpServer;
  let base: string;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tab-static-'));
    await mkdir(path.join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'dist', 'index.html'), '<!doctype html><title>tab</title>');
    await writeFile(path.join(dir, 'dist', 'assets', 'main-abc123.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'secret.txt'), 'outside dist');
    http = createHttpServer({ logger: createLogger({ level: 'silent' }), healthChecks: [] });
    registerTabStatic(http.server, { distDir: path.join(dir, 'dist') });
    base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  });

  after(async function () {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the app page with its content type, a CSP that lets Teams frame it, and no caching', async function () {
    const res = await fetch(`${base}/tab/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline or remote scripts');
    assert.match(
      csp,
      /frame-ancestors 'self' https:\/\/teams\.microsoft\.com .*https:\/\/\*\.cloud\.microsoft/,
    );
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /<title>tab<\/title>/);
  });

  it('serves fingerprinted assets as immutable JavaScript', async function () {
    const res = await fetch(`${base}/tab/assets/main-abc123.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
  });

  it('redirects /tab to /tab/', async function () {
    const res = await fetch(`${base}/tab`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/tab/');
  });

  it('never serves anything outside the build folder', async function () {
    for (const p of [
      '/tab/..%2Fsecret.txt',
      '/tab/%2e%2e/secret.txt',
      '/tab/assets/..%2F..%2Fsecret.txt',
      '/tab/%E0%A4%A',
      '/tab/missing.js',
    ]) {
      const res = await fetch(`${base}${p}`);
      assert.equal(res.status, 404, p);
      assert.doesNotMatch(await res.text(), /outside dist/, p);
    }
  });

  it('says how to build the tab when it has not been built', async function () {
    const bare = createHttpServer({ logger: createLogger({ level: 'silent' }), healthChecks: [] });
    registerTabStatic(bare.server, { distDir: path.join(dir, 'nothing-here') });
    const port = await bare.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/tab/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build:tab/);
    } finally {
      await new Promise<void>((resolve) => bare.server.close(() => resolve()));
    }
  });
});
