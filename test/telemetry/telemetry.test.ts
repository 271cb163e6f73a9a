import { strict as assert } from 'node:assert';
import { get as httpGet } from 'node:http';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SpanKind, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-node';
import { createLogger } from '../../bot/logging/logger.js';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { createHttpServer, type HttpServer } from '../../bot/server/http-server.js';
import { startTelemetry } from '../../bot/telemetry/telemetry.js';
import { ensureTlsMaterial, type TlsMaterial } from '../../emulator/tls.js';

/**
 * Request telemetry as Application Insights would receive it: the app's telemetry set-up, with its
 * exporter swapped for one that keeps the finished spans, watches real requests into our restify
 * server and real outgoing calls (fetch, node:http, node:https and the app's own outbound client, to
 * a TLS server standing in for the sign-in endpoint and Graph), each URL carrying secrets in its
 * query string. No span may carry them; the
 * paths must still be there.
 */

// Values that only ever appear in a query string or fragment: none may reach a span.
const SECRET = {
  code: 'authcode-0a1b2c3d',
  state: 'consentstate-4e5f6a7b',
  fragment: 'fragment-8c9d0e1f',
  ticket: 'signinticket-2a3b4c5d',
  hint: 'loginhint-6e7f8a9b',
  delta: 'deltatoken-0c1d2e3f',
};

/** Keeps the spans past the set-up's shutdown, where the in-memory exporter would drop them. */
class KeepingExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
  get spans(): ReadableSpan[] {
    return this.getFinishedSpans();
  }
}

/** Everything an exporter could send of a span: its name, every attribute, its events. */
function exported(spans: ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({ name: s.name, kind: s.kind, attributes: s.attributes, events: s.events })),
  );
}

/** A GET with node:http's or node:https's `get`, answered with the status. */
function get(send: typeof https.get, url: string, options: https.RequestOptions = {}) {
  return new Promise<number>((resolve, reject) => {
    send(url, options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('Application Insights telemetry without query strings', function () {
  this.timeout(30_000);
  let app: HttpServer;
  let appPort: number;
  let signIn: https.Server;
  let signInPort: number;
  let tls: TlsMaterial;
  let tlsDir: string;

  before(async () => {
    app = createHttpServer({
      logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      healthChecks: [],
    });
    for (const route of ['/auth/callback', '/auth/start'])
      app.server.get(route, async (_req, res) => {
        res.send(200, { ok: true });
      });
    appPort = await app.listen(0, '127.0.0.1');
    tlsDir = mkdtempSync(path.join(os.tmpdir(), 'telemetry-tls-'));
    tls = ensureTlsMaterial(tlsDir);
    signIn = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => signIn.listen(0, '127.0.0.1', resolve));
    signInPort = (signIn.address() as { port: number }).port;
  });

  after(async () => {
    app.server.close();
    signIn.close();
    rmSync(tlsDir, { recursive: true, force: true });
  });

  const urls = () => ({
    callback: `http://127.0.0.1:${appPort}/auth/callback`,
    start: `http://127.0.0.1:${appPort}/auth/start`,
    authorize: `https://localhost:${signInPort}/common/oauth2/v2.0/authorize`,
    delta: `https://localhost:${signInPort}/v1.0/me/mailFolders/inbox/messages/delta`,
  });

  /**
   * A browser returning from sign-in, a sign-in link opened, a call to the sign-in endpoint, and a
   * Graph delta call through the app's own outbound client (undici's fetch over a CA-trusting Agent).
   */
  async function traffic(): Promise<void> {
    const u = urls();
    const res = await fetch(`${u.callback}?code=${SECRET.code}&state=${SECRET.state}#${SECRET.fragment}`);
    assert.equal(res.status, 200);
    await res.text();
    // node:http through a named ESM import, node:https through the module object.
    assert.equal(await get(httpGet, `${u.start}?ticket=${SECRET.ticket}`), 200);
    assert.equal(
      await get(https.get, `${u.authorize}?client_id=app&login_hint=${SECRET.hint}#${SECRET.fragment}`, {
        ca: tls.caPem,
      }),
      200,
    );
    const graph = await trustedFetch(tls.caPem)(`${u.delta}?$deltatoken=${SECRET.delta}`);
    assert.equal(graph.status, 200);
    await graph.text();
  }

  it('records every request and dependency with its path and without its query or fragment', async () => {
    const exporter = new KeepingExporter();
    const telemetry = startTelemetry({
      connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
      role: 'server',
      exporter,
    });
    try {
      await traffic();
      // An error that quotes the URL it failed on, recorded on a span of our own.
      const span = trace.getTracer('test').startSpan(`GET /auth/identify?ticket=${SECRET.ticket}`);
      span.recordException(new Error(`${urls().start}?ticket=${SECRET.ticket} failed`));
      span.end();
    } finally {
      await telemetry.shutdown();
    }
    const text = exported(exporter.spans);
    for (const [name, value] of Object.entries(SECRET))
      assert.ok(!text.includes(value), `the ${name} from a query string reached telemetry: ${text}`);

    const u = urls();
    const of = (kind: SpanKind, ...keys: string[]) =>
      exporter.spans
        .filter((s) => s.kind === kind)
        .map((s) => String(keys.map((k) => s.attributes[k]).find((v) => v !== undefined)));
    // fetch (undici) and node:http/https calls are dependencies: their URLs, without the query.
    const dependencies = of(SpanKind.CLIENT, 'url.full', 'http.url');
    assert.ok(dependencies.includes(u.callback), `the fetch call: ${text}`);
    assert.ok(dependencies.includes(u.start), `the node:http call: ${text}`);
    assert.ok(dependencies.includes(u.authorize), `the node:https call: ${text}`);
    assert.ok(dependencies.includes(u.delta), `the app's outbound fetch: ${text}`);
    // The servers' spans (ours, and the stand-in's) are requests: their paths, without the query.
    const requests = of(SpanKind.SERVER, 'url.path', 'http.target');
    const paths = [u.callback, u.start, u.authorize, u.delta].map((url) => new URL(url).pathname);
    assert.deepEqual(requests.sort(), paths.sort(), text);
    assert.ok(text.includes('GET /auth/identify'), `our span's name, without its query: ${text}`);
    assert.ok(text.includes(`${u.start} failed`), `the recorded error, without the query: ${text}`);
  });

  it('without the stripping step, the same instrumentations record the secrets (control)', async () => {
    const exporter = new KeepingExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const unregister = registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
    });
    // As the set-up does: the patch lands when node:http and node:https are next required, and
    // reaches named imports once the built-in ES modules are synced.
    createRequire(import.meta.url)('node:http');
    createRequire(import.meta.url)('node:https');
    syncBuiltinESMExports();
    try {
      await traffic();
    } finally {
      unregister();
      await provider.shutdown();
    }
    const text = exported(exporter.spans);
    assert.ok(text.includes(SECRET.code), 'the fetch call and the incoming request carry the code');
    assert.ok(text.includes(SECRET.ticket), 'the node:http call carries the ticket');
    assert.ok(text.includes(SECRET.hint), 'the node:https call carries the login hint');
    assert.ok(text.includes(SECRET.delta), "the app's outbound fetch carries the delta token");
  });
});
