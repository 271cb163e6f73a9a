import assert from 'node:assert/strict';
import { redirectUrisFor } from '../../../bot/sign-in/redirect-uris.js';
import { trustedFetch } from '../../../bot/net/tls-trust.js';
import { EmulatorBrowser, expectPage } from '../../support/emulator-browser.js';
import { DEMO, GRAPH_SCOPES, msalClient } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';
import { CryptoProvider } from '@azure/msal-node';

/**
 * Redirect URIs of an app registration, added at run time as an administrator adds them ("Add a
 * redirect URI" in the app registration's Authentication page), with Microsoft's rules from "Redirect URI
 * (reply URL) restrictions and limitations"
 * (https://learn.microsoft.com/entra/identity-platform/reply-url): https except on localhost, at most
 * 256 characters, none of ! $ ' ( ) , ;, at most 256 per app. An unregistered one is refused with a
 * page, AADSTS50011 ("Microsoft Entra authentication and authorization error codes").
 */
const SECOND_STACK = 'http://localhost:4978';

async function authorizeAt(emu: TestEmulator, redirectUri: string) {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await msalClient(emu).getAuthCodeUrl({
    scopes: GRAPH_SCOPES,
    redirectUri,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
  });
  return new EmulatorBrowser(emu.origin, emu.caPem).get(url);
}

describe('emulator control API: redirect URIs of an app registration', () => {
  let emu: TestEmulator;
  let add: (appId: string, body: unknown) => Promise<Response>;
  beforeEach(async () => {
    emu = await startTestEmulator();
    add = (appId, body) =>
      trustedFetch(emu.caPem)(`${emu.origin}/_emulator/applications/${appId}/redirect-uris`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
  });
  afterEach(() => emu.close());

  it('lets a second stack on another port sign in once its redirect URIs are added (AADSTS50011 before)', async () => {
    const callback = `${SECOND_STACK}/auth/callback`;
    const before = expectPage(await authorizeAt(emu, callback));
    assert.match(before.html, /AADSTS50011/);

    const res = await add(DEMO.clientId, { redirectUris: redirectUrisFor(SECOND_STACK) });
    assert.equal(res.status, 200);
    const app = (await res.json()) as { redirectUris: string[]; clientSecrets?: unknown };
    assert.ok(app.redirectUris.includes(callback));
    assert.ok(app.redirectUris.includes(DEMO.redirectUri), 'the seeded ones stay');
    assert.equal(app.clientSecrets, undefined);

    const after = await authorizeAt(emu, callback);
    assert.equal(after.kind, 'page');
    assert.match(after.kind === 'page' ? after.html : '', /name="passwd"/);
  });

  it('refuses what Microsoft refuses, and changes nothing', async () => {
    const bad = [
      'http://sync.example.com/auth/callback',
      `https://sync.example.com/${'a'.repeat(240)}`,
      'https://sync.example.com/auth/callback;x',
      'not a url',
    ];
    for (const uri of bad) {
      const res = await add(DEMO.clientId, { redirectUris: [`${SECOND_STACK}/ok`, uri] });
      assert.equal(res.status, 400, uri);
    }
    const many = Array.from({ length: 257 }, (_, i) => `https://sync.example.com/cb/${i}`);
    assert.equal((await add(DEMO.clientId, { redirectUris: many })).status, 400);
    assert.equal((await add(DEMO.clientId, { redirectUris: [] })).status, 400);
    assert.equal(
      (await add('99999999-2222-4333-8444-555555555555', { redirectUris: [SECOND_STACK] })).status,
      404,
    );
    assert.deepEqual(emu.ctx.directory.getApplication(DEMO.clientId)!.redirectUris, [
      'http://localhost:3978/auth/callback',
      'http://localhost:3978/auth/admin-consent/callback',
      'http://localhost:3978/tab/auth-end.html',
    ]);
  });
});

describe('emulator started for a PUBLIC_URL (npm start, npm run emulator)', () => {
  it("adds that stack's redirect URIs to the seeded app, and keeps them across a reset", async () => {
    const emu = await startTestEmulator({
      redirectUris: { appId: DEMO.clientId, uris: redirectUrisFor(SECOND_STACK) },
    });
    try {
      const signIn = await authorizeAt(emu, `${SECOND_STACK}/auth/callback`);
      assert.match(signIn.kind === 'page' ? signIn.html : '', /name="passwd"/);
      const reset = await trustedFetch(emu.caPem)(`${emu.origin}/_emulator/reset`, { method: 'POST' });
      assert.equal(reset.status, 200);
      const again = await authorizeAt(emu, `${SECOND_STACK}/tab/auth-end.html`);
      assert.match(again.kind === 'page' ? again.html : '', /name="passwd"/);
    } finally {
      await emu.close();
    }
  });
});
