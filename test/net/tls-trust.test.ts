import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { loadTrustedCa, trustedFetch, TrustedCaError } from '../../bot/net/tls-trust.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

/** fetch fails with a TypeError whose cause is the TLS verification error. */
const untrustedCertificate = (err: unknown) =>
  err instanceof TypeError &&
  /UNABLE_TO_VERIFY|SELF_SIGNED|CERT_/.test(String((err.cause as { code?: string } | undefined)?.code));

describe('tls-trust', () => {
  let emu: TestEmulator;
  let plain: http.Server;
  let plainOrigin: string;
  let dir: string;

  before(async () => {
    emu = await startTestEmulator();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tls-trust-'));
    plain = http.createServer((req, res) => {
      // No chaining on writeHead: restify, loaded by other suites, patches it to return nothing.
      const redirect = (status: number, location: string) => {
        res.writeHead(status, { location });
        res.end();
      };
      if (req.url === '/hop') return redirect(302, '/echo?from=hop');
      if (req.url === '/post-redirect') return redirect(303, '/echo');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            body: Buffer.concat(chunks).toString(),
            type: req.headers['content-type'] ?? null,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainOrigin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    plain.closeAllConnections();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('loadTrustedCa', () => {
    it('reads the emulator CA', () => {
      assert.equal(loadTrustedCa(path.join(emu.dataDir, 'emulator', 'ca.pem')), emu.caPem);
    });

    it('explains a missing file, a non-certificate and a certificate that is not a CA', () => {
      assert.throws(
        () => loadTrustedCa(path.join(dir, 'absent.pem')),
        (e: unknown) => e instanceof TrustedCaError && /npm run emulator/.test(e.message),
      );
      writeFileSync(path.join(dir, 'junk.pem'), 'not a certificate');
      assert.throws(() => loadTrustedCa(path.join(dir, 'junk.pem')), /is not a PEM certificate/);
      assert.throws(
        () => loadTrustedCa(path.join(emu.dataDir, 'emulator', 'localhost.pem')),
        /not a CA certificate/,
      );
    });
  });

  describe('trustedFetch', () => {
    it('refuses a server whose certificate chains to another CA than the one given', async () => {
      await assert.rejects(
        trustedFetch(rootCertificates[0])(`${emu.origin}/common/discovery/v2.0/keys`),
        untrustedCertificate,
      );
    });

    it('talks HTTPS to the emulator when its CA is given, with fetch semantics', async () => {
      const res = await trustedFetch(emu.caPem)(
        `${emu.origin}/organizations/v2.0/.well-known/openid-configuration`,
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /application\/json/);
      assert.equal(((await res.json()) as { issuer: string }).issuer, `${emu.origin}/{tenantid}/v2.0`);
      assert.equal(res.url, `${emu.origin}/organizations/v2.0/.well-known/openid-configuration`);
    });

    it('does not trust the emulator with the system CAs only', async () => {
      await assert.rejects(trustedFetch()(`${emu.origin}/common/discovery/v2.0/keys`), untrustedCertificate);
    });

    it('sends string, URLSearchParams and Request bodies with their content types', async () => {
      const fetch = trustedFetch();
      const form = (await (
        await fetch(`${plainOrigin}/echo`, { method: 'POST', body: new URLSearchParams({ a: '1' }) })
      ).json()) as Record<string, string>;
      assert.deepEqual([form.body, form.type], ['a=1', 'application/x-www-form-urlencoded;charset=UTF-8']);
      const json = (await (
        await fetch(
          new Request(`${plainOrigin}/echo`, {
            method: 'PATCH',
            body: '{"x":1}',
            headers: { 'content-type': 'application/json' },
          }),
        )
      ).json()) as Record<string, string>;
      assert.deepEqual([json.method, json.body, json.type], ['PATCH', '{"x":1}', 'application/json']);
    });

    it('follows redirects by default, turns a 303 into GET, and returns the 3xx itself in manual mode', async () => {
      const fetch = trustedFetch();
      const followed = await fetch(`${plainOrigin}/hop`);
      assert.equal(((await followed.json()) as { url: string }).url, '/echo?from=hop');
      assert.equal(followed.redirected, true);
      const seeOther = (await (
        await fetch(`${plainOrigin}/post-redirect`, { method: 'POST', body: 'x' })
      ).json()) as Record<string, string>;
      assert.deepEqual([seeOther.method, seeOther.body], ['GET', '']);
      const manual = await fetch(`${plainOrigin}/hop`, { redirect: 'manual' });
      assert.equal(manual.status, 302);
      assert.equal(manual.headers.get('location'), '/echo?from=hop');
    });

    it('streams the response body and keeps repeated headers', async () => {
      const res = await trustedFetch()(`${plainOrigin}/echo`);
      assert.equal(res.headers.get('x-multi'), 'a, b');
      const reader = res.body!.getReader();
      let text = '';
      for (let r = await reader.read(); !r.done; r = await reader.read())
        text += Buffer.from(r.value).toString();
      assert.equal((JSON.parse(text) as { method: string }).method, 'GET');
    });

    it('honours an abort signal', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(trustedFetch()(`${plainOrigin}/echo`, { signal: controller.signal }), {
        name: 'AbortError',
      });
    });
  });
});
