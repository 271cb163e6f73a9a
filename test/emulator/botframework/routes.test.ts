import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
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
    fetchEmu(`${emu.origin}/botframework/oauth2/v2.0/token`, {
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
