import assert from 'node:assert/strict';
import { trustedFetch, type FetchLike } from '../../../bot/net/tls-trust.js';
import { DEMO } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

describe('emulator Entra discovery', () => {
  let emu: TestEmulator;
  let fetch: FetchLike;

  before(async () => {
    emu = await startTestEmulator();
    fetch = trustedFetch(emu.caPem);
  });
  after(() => emu.close());

  async function config(tenant: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${emu.origin}/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, unknown>;
  }

  it('describes a tenant by id or verified domain with its own issuer and endpoints', async () => {
    for (const tenant of [DEMO.contoso, 'contoso.com']) {
      const c = await config(tenant);
      assert.equal(c.issuer, `${emu.origin}/${DEMO.contoso}/v2.0`);
      assert.equal(c.token_endpoint, `${emu.origin}/${DEMO.contoso}/oauth2/v2.0/token`);
      assert.equal(c.authorization_endpoint, `${emu.origin}/${DEMO.contoso}/oauth2/v2.0/authorize`);
      assert.equal(c.jwks_uri, `${emu.origin}/${DEMO.contoso}/discovery/v2.0/keys`);
    }
  });

  it("uses Microsoft's {tenantid} placeholder in the issuer for organizations and common", async () => {
    for (const tenant of ['organizations', 'common']) {
      const c = await config(tenant);
      assert.equal(c.issuer, `${emu.origin}/{tenantid}/v2.0`);
      assert.equal(c.token_endpoint, `${emu.origin}/${tenant}/oauth2/v2.0/token`);
    }
  });

  it('publishes the RSA signing key that verifies the tokens', async () => {
    const res = await fetch(`${emu.origin}/organizations/discovery/v2.0/keys`);
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.kty, 'RSA');
    assert.equal(keys[0]!.use, 'sig');
    assert.equal(keys[0]!.kid, emu.ctx.keys.kid);
    assert.ok(keys[0]!.n && keys[0]!.e);
    assert.equal(keys[0]!.d, undefined, 'no private part');
  });

  it('answers an unknown tenant with AADSTS90002', async () => {
    const res = await fetch(`${emu.origin}/not-a-tenant.example/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; error_codes: number[] };
    assert.equal(body.error, 'invalid_tenant');
    assert.deepEqual(body.error_codes, [90002]);
  });
});
