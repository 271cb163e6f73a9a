import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TrustedNetworkClient } from '../../bot/net/msal-network-client.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';

describe('msal-network-client', () => {
  let emu: TestEmulator;

  before(async () => {
    emu = await startTestEmulator();
  });
  after(() => emu.close());

  it('GETs JSON from the emulator with its CA trusted and returns headers, body and status', async () => {
    const client = new TrustedNetworkClient(emu.caPem);
    const res = await client.sendGetRequestAsync<{ token_endpoint: string }>(
      `${emu.origin}/organizations/v2.0/.well-known/openid-configuration`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.token_endpoint, `${emu.origin}/organizations/oauth2/v2.0/token`);
    assert.match(res.headers['content-type']!, /application\/json/);
  });

  it('POSTs a form and hands error bodies back for msal-node to read', async () => {
    const client = new TrustedNetworkClient(emu.caPem);
    const res = await client.sendPostRequestAsync<{ error: string; error_codes: number[] }>(
      `${emu.origin}/organizations/oauth2/v2.0/token`,
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=x' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
  });

  it('turns a body that is not JSON into an error object', async () => {
    // No chaining on writeHead: restify, loaded by other suites, patches it to return nothing.
    const server = http.createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await new TrustedNetworkClient().sendGetRequestAsync<{ error: string }>(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      );
      assert.equal(res.status, 502);
      assert.equal(res.body.error, 'server_error');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
