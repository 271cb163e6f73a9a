import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { TrustedNetworkClient } from '../../../bot/net/msal-network-client.js';
import { trustedFetch } from '../../../bot/net/tls-trust.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

describe('emulator Bot Framework endpoints', function () {
  let emu: TestEmulator;
  let fetchEmu: ReturnType<typeof trustedFetch>;
  before(async () => {
    emu = await startTestEmulator();
    fetchEmu = trustedFetch(emu.caPem);
  });
  after(() => emu.close());

  const json = (p: string, body: unknown) =>
    fetchEmu(`${emu.origin}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const token = (form: Record<string, string>) =>
    fetchEmu(`${emu.origin}/botframework.com/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  async function keys(): Promise<JSONWebKeySet> {
    const meta = (await (
      await fetchEmu(`${emu.origin}/botframework/v1/.well-known/openidconfiguration`)
    ).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    assert.equal(meta.issuer, 'https://api.botframework.com');
    return (await (await fetchEmu(meta.jwks_uri)).json()) as JSONWebKeySet;
  }

  it('publishes endorsed keys that verify the channel tokens it mints', async () => {
    const jwks = await keys();
    assert.deepEqual((jwks.keys[0] as { endorsements?: string[] }).endorsements, [
      'msteams',
      'webchat',
      'emulator',
    ]);
    const appId = randomUUID();
    const res = await json('/_emulator/botframework/channel-token', {
      appId,
      serviceUrl: 'http://127.0.0.1:1/',
    });
    assert.equal(res.status, 200);
    const { token: t } = (await res.json()) as { token: string };
    const { payload } = await jwtVerify(t, createLocalJWKSet(jwks), {
      issuer: 'https://api.botframework.com',
      audience: appId,
    });
    assert.equal(payload.serviceurl, 'http://127.0.0.1:1/');
    assert.equal(payload.channelid, 'msteams');
  });

  it('does not sign channel tokens with Entra’s key', async () => {
    const entra = (await (
      await fetchEmu(`${emu.origin}/organizations/discovery/v2.0/keys`)
    ).json()) as JSONWebKeySet;
    const bf = await keys();
    assert.notEqual(entra.keys[0]!.kid, bf.keys[0]!.kid);
  });

  it('gives a registered bot its connector token and refuses wrong secrets, unknown bots and other scopes', async () => {
    const appId = randomUUID();
    assert.equal((await json('/_emulator/botframework/bots', { appId, password: 'pw-1' })).status, 201);
    const scope = 'https://api.botframework.com/.default';
    const ok = await token({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: 'pw-1',
      scope,
    });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { access_token: string; expires_in: number };
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(await keys()), {
      audience: 'https://api.botframework.com',
    });
    assert.equal(payload.appid, appId);
    assert.equal(
      (await token({ grant_type: 'client_credentials', client_id: appId, client_secret: 'nope', scope }))
        .status,
      401,
    );
    assert.equal(
      (
        await token({
          grant_type: 'client_credentials',
          client_id: randomUUID(),
          client_secret: 'pw-1',
          scope,
        })
      ).status,
      401,
    );
    assert.equal(
      (
        await token({
          grant_type: 'client_credentials',
          client_id: appId,
          client_secret: 'pw-1',
          scope: 'https://graph.microsoft.com/.default',
        })
      ).status,
      400,
    );
    assert.equal(
      (await token({ grant_type: 'password', client_id: appId, client_secret: 'pw-1', scope })).status,
      400,
    );
  });

  // "OpenID Connect on the Microsoft identity platform" (Find your app's OpenID configuration document
  // URI): a tenant named by domain is described with its issuer and endpoints under its tenant id.
  it('describes the botframework.com tenant as Entra does, by domain and by id', async () => {
    const tid = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
    for (const segment of ['botframework.com', tid]) {
      const res = await fetchEmu(`${emu.origin}/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as Record<string, string>;
      assert.equal(doc.issuer, `${emu.origin}/${tid}/v2.0`);
      assert.equal(doc.token_endpoint, `${emu.origin}/${tid}/oauth2/v2.0/token`);
      assert.equal(doc.authorization_endpoint, `${emu.origin}/${tid}/oauth2/v2.0/authorize`);
      assert.equal(doc.jwks_uri, `${emu.origin}/${tid}/discovery/v2.0/keys`);
    }
  });

  // "Authentication with the Bot Connector API" (Step 1: request an access token from the Microsoft Entra
  // ID account login service): client credentials at login.microsoftonline.com/botframework.com with
  // scope https://api.botframework.com/.default, here through msal-node as the bot makes the request.
  it('gives msal-node the connector token from the botframework.com authority, verifiable with the tenant keys', async () => {
    const appId = randomUUID();
    await json('/_emulator/botframework/bots', { appId, password: 'pw-msal' });
    const client = (clientSecret: string) =>
      new ConfidentialClientApplication({
        auth: {
          clientId: appId,
          clientSecret,
          authority: `${emu.origin}/botframework.com`,
          knownAuthorities: [new URL(emu.origin).host],
        },
        system: { networkClient: new TrustedNetworkClient(emu.caPem) },
      });
    const scopes = ['https://api.botframework.com/.default'];
    const result = await client('pw-msal').acquireTokenByClientCredential({ scopes });
    const tid = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
    const jwks = (await (await fetchEmu(`${emu.origin}/${tid}/discovery/v2.0/keys`)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(result!.accessToken, createLocalJWKSet(jwks), {
      audience: 'https://api.botframework.com',
    });
    assert.deepEqual([payload.appid, payload.tid], [appId, tid]);
    await assert.rejects(client('wrong').acquireTokenByClientCredential({ scopes }), {
      errorCode: 'invalid_client',
    });
  });

  it('validates control input', async () => {
    assert.equal(
      (await json('/_emulator/botframework/bots', { appId: 'not-a-guid', password: 'x' })).status,
      400,
    );
    assert.equal(
      (await json('/_emulator/botframework/channel-token', { appId: 'a', serviceUrl: 'nope' })).status,
      400,
    );
    assert.equal(
      (
        await json('/_emulator/botframework/channel-token', {
          appId: 'a',
          serviceUrl: 'http://x/',
          lifetimeSeconds: 0,
        })
      ).status,
      400,
    );
  });
});
