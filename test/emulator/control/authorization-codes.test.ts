import assert from 'node:assert/strict';
import { trustedFetch } from '../../../bot/net/tls-trust.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';
import { DEMO, msalClient } from '../../support/emulator-msal.js';

/** `POST /_emulator/authorization-codes`: a code without the sign-in pages, redeemed as usual. */
describe('control API: authorization codes for bulk sign-in', function () {
  let emu: TestEmulator;
  const call = (body: unknown) =>
    trustedFetch(emu.caPem)(`${emu.origin}/_emulator/authorization-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const request = {
    userPrincipalName: DEMO.alice.username,
    clientId: DEMO.clientId,
    redirectUri: DEMO.redirectUri,
    scopes: ['User.Read', 'openid', 'profile', 'offline_access'],
  };

  before(async function () {
    emu = await startTestEmulator();
  });

  after(async function () {
    await emu?.close();
  });

  it('issues a code that msal-node redeems once consent exists, and only once', async function () {
    emu.ctx.directory.addGrant({
      clientId: DEMO.clientId,
      tenantId: DEMO.contoso,
      consentType: 'AllPrincipals',
      scopes: ['User.Read'],
    });
    const res = await call(request);
    assert.equal(res.status, 201);
    const { code } = (await res.json()) as { code: string };
    const cca = msalClient(emu);
    const result = await cca.acquireTokenByCode({
      code,
      redirectUri: DEMO.redirectUri,
      scopes: ['User.Read'],
    });
    assert.equal(result.account?.localAccountId, DEMO.alice.id);
    await assert.rejects(
      cca.acquireTokenByCode({ code, redirectUri: DEMO.redirectUri, scopes: ['User.Read'] }),
      /invalid_grant/,
    );
  });

  it('refuses unknown users and apps and unregistered redirect URIs', async function () {
    assert.equal((await call({ ...request, userPrincipalName: 'nobody@contoso.com' })).status, 404);
    assert.equal((await call({ ...request, clientId: '00000000-0000-4000-8000-000000000000' })).status, 404);
    assert.equal((await call({ ...request, redirectUri: 'https://evil.example/cb' })).status, 400);
    assert.equal((await call({ ...request, scopes: [] })).status, 400);
  });
});
