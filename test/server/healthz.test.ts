import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { runHealthChecks } from '../../bot/server/healthz.js';
import { createHttpServer } from '../../bot/server/http-server.js';
import { createLogger } from '../../bot/logging/logger.js';

describe('health checks', () => {
  it('is ok only when every check passes, and names the failing one', async () => {
    const ok = await runHealthChecks([{ name: 'store', check: async () => {} }]);
    assert.equal(ok.status, 'ok');
    assert.equal(ok.checks.store?.ok, true);

    const bad = await runHealthChecks([
      { name: 'store', check: async () => {} },
      { name: 'emulator', check: async () => Promise.reject(new Error('connection refused')) },
    ]);
    assert.equal(bad.status, 'failing');
    assert.equal(bad.checks.emulator?.ok, false);
    assert.equal(bad.checks.emulator?.error, 'connection refused');
  });

  it('bounds a hung check by the timeout', async () => {
    const report = await runHealthChecks([{ name: 'hung', check: () => new Promise(() => {}) }], 50);
    assert.equal(report.status, 'failing');
    assert.match(report.checks.hung?.error ?? '', /no answer within 50 ms/);
  });

  it('GET /healthz answers 200 when healthy and 503 when a dependency fails', async () => {
    let storeUp = true;
    const logged: string[] = [];
    const http = createHttpServer({
      logger: createLogger({
        destination: new Writable({
          write: (c, _e, cb) => {
            logged.push(String(c));
            cb();
          },
        }),
      }),
      healthChecks: [
        {
          name: 'store',
          check: async () => (storeUp ? undefined : Promise.reject(new Error('database is locked'))),
        },
      ],
    });
    const port = await http.listen(0, '127.0.0.1');
    try {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(up.status, 200);
      assert.equal(((await up.json()) as { status: string }).status, 'ok');
      storeUp = false;
      const down = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(down.status, 503);
      // Anyone may call /healthz, so what failed and why goes to the log only.
      const text = await down.text();
      const body = JSON.parse(text) as { checks: Record<string, { ok: boolean }> };
      assert.equal(body.checks.store?.ok, false);
      assert.doesNotMatch(text, /database is locked/);
      assert.match(logged.join(''), /database is locked/);
    } finally {
      http.server.close();
    }
  });

  // Browsers must not fall back to http once they have seen the https address.
  it('sends HSTS when the public address is https, and not on a plain-http local run', async () => {
    for (const hsts of [true, false]) {
      const http = createHttpServer({
        logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
        healthChecks: [],
        hsts,
      });
      const port = await http.listen(0, '127.0.0.1');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        const header = res.headers.get('strict-transport-security');
        if (hsts) assert.match(header ?? '', /^max-age=\d{8,}; includeSubDomains$/);
        else assert.equal(header, null);
      } finally {
        http.server.close();
      }
    }
  });
});
