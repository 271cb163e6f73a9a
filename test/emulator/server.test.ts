import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../bot/logging/logger.js';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { DEMO, GRAPH_SCOPES, msalClient, signInForCode } from '../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

describe('emulator server', () => {
  it('serves HTTPS on localhost with a certificate only its own CA vouches for', async () => {
    const emu = await startTestEmulator();
    try {
      assert.match(emu.origin, /^https:\/\/localhost:\d+$/);
      const ok = await trustedFetch(emu.caPem)(`${emu.origin}/organizations/discovery/v2.0/keys`);
      assert.equal(ok.status, 200);
      await assert.rejects(
        trustedFetch()(`${emu.origin}/organizations/discovery/v2.0/keys`),
        (err: TypeError) => /self.signed|unable to verify|certificate/i.test(String(err.cause)),
      );
    } finally {
      await emu.close();
    }
  });

  it('generates its CA and certificate on first start and reuses them on the next', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-emulator-reuse-'));
    try {
      const first = await startTestEmulator({ dataDir });
      const ca = first.caPem;
      await first.close();
      const second = await startTestEmulator({ dataDir });
      try {
        assert.equal(second.caPem, ca);
        assert.equal((await trustedFetch(ca)(`${second.origin}/common/discovery/v2.0/keys`)).status, 200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('routing and logging', () => {
    let emu: TestEmulator;
    const logged: string[] = [];

    before(async () => {
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          logged.push(chunk.toString());
          done();
        },
      });
      emu = await startTestEmulator({ logger: createLogger({ level: 'info', destination }) });
    });
    after(() => emu.close());

    it('answers unrouted Graph paths with a Graph 404 and other unknown paths with an Entra error', async () => {
      const fetch = trustedFetch(emu.caPem);
      const graph = await fetch(`${emu.origin}/beta/nothing-here`);
      assert.equal(graph.status, 404);
      const graphBody = (await graph.json()) as { error: { code: string; message: string } };
      assert.equal(graphBody.error.code, 'ResourceNotFound');
      const entra = await fetch(`${emu.origin}/${DEMO.contoso}/oauth2/v9/nothing`);
      assert.equal(entra.status, 404);
      const entraBody = (await entra.json()) as {
        error: string;
        error_codes: number[];
        error_description: string;
      };
      assert.deepEqual(entraBody.error_codes, [90100]);
      assert.match(entraBody.error_description, /^AADSTS90100: /);
    });

    it('logs method, path and status of each request, never a code, token, secret or password', async () => {
      const cca = msalClient(emu);
      const { code, verifier } = await signInForCode(emu, cca, DEMO.alice);
      const result = await cca.acquireTokenByCode({
        code,
        codeVerifier: verifier,
        redirectUri: DEMO.redirectUri,
        scopes: GRAPH_SCOPES,
      });
      const text = logged.join('');
      assert.match(text, /"path":"\/organizations\/oauth2\/v2\.0\/authorize"/);
      assert.match(text, /"path":"\/organizations\/oauth2\/v2\.0\/token","status":200/);
      for (const secret of [
        code,
        verifier,
        result.accessToken,
        result.idToken,
        DEMO.clientSecret,
        'passwd',
        DEMO.alice.username,
      ]) {
        assert.ok(!text.includes(secret), `the log contains ${secret.slice(0, 12)}…`);
      }
    });
  });
});
