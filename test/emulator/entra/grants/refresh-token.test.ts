import assert from 'node:assert/strict';
import {
  AuthError,
  InteractionRequiredAuthError,
  type ConfidentialClientApplication,
} from '@azure/msal-node';
import { trustedFetch, type FetchLike } from '../../../../bot/net/tls-trust.js';
import {
  DEMO,
  GRAPH_SCOPES,
  msalClient,
  signInForCode,
  verifyWithJwks,
} from '../../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../../support/emulator.js';

describe('emulator Entra refresh tokens', () => {
  let emu: TestEmulator;
  let fetch: FetchLike;
  let cca: ConfidentialClientApplication;

  beforeEach(async () => {
    emu = await startTestEmulator();
    fetch = trustedFetch(emu.caPem);
    // Shorter than msal's five-minute renewal margin, so every silent call goes to the token endpoint.
    await control('PATCH', '/_emulator/settings', { accessTokenLifetimeSeconds: 60 });
    cca = msalClient(emu);
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice);
    await cca.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: DEMO.redirectUri,
      scopes: GRAPH_SCOPES,
    });
  });
  afterEach(() => emu.close());

  async function control(method: string, path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${emu.origin}${path}`, {
      method,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  }

  function cachedRefreshToken(): string {
    const cache = JSON.parse(cca.getTokenCache().serialize()) as {
      RefreshToken: Record<string, { secret: string }>;
    };
    const [rt] = Object.values(cache.RefreshToken);
    assert.ok(rt, 'msal cached a refresh token');
    return rt.secret;
  }

  async function silent() {
    const [account] = await cca.getTokenCache().getAllAccounts();
    return cca.acquireTokenSilent({ account: account!, scopes: GRAPH_SCOPES });
  }

  async function redeemRaw(
    refreshToken: string,
  ): Promise<{ status: number; body: { error: string; error_codes: number[] } }> {
    const res = await fetch(`${emu.origin}/organizations/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: DEMO.clientId,
        client_secret: DEMO.clientSecret,
        scope: 'User.Read offline_access',
      }),
    });
    return { status: res.status, body: (await res.json()) as { error: string; error_codes: number[] } };
  }

  it('refreshes an expiring access token silently and rotates the refresh token', async () => {
    const before = cachedRefreshToken();
    const refreshed = await silent();
    assert.equal(refreshed.fromCache, false);
    const claims = await verifyWithJwks(emu, refreshed.accessToken);
    assert.equal(claims.oid, DEMO.alice.id);
    assert.match(String(claims.scp), /Mail\.Read/);
    const after = cachedRefreshToken();
    assert.notEqual(after, before, 'a new refresh token replaced the old one');

    const reuse = await redeemRaw(before);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.deepEqual(reuse.body.error_codes, [70000]);
  });

  it("fails with invalid_grant AADSTS50173 after the control API revokes the user's sign-in sessions", async () => {
    await control('POST', `/_emulator/users/${DEMO.alice.id}/revoke-sign-in-sessions`, {});
    await assert.rejects(silent(), (err: unknown) => {
      assert.ok(err instanceof AuthError, String(err));
      assert.equal(err.errorCode, 'invalid_grant');
      assert.match(err.errorMessage, /AADSTS50173: The provided grant has expired due to it being revoked/);
      return true;
    });
  });

  it('expires a refresh token after 90 days without use (AADSTS700082)', async () => {
    await control('POST', '/_emulator/clock/advance', { seconds: 91 * 24 * 3600 });
    const expired = await redeemRaw(cachedRefreshToken());
    assert.equal(expired.body.error, 'invalid_grant');
    assert.deepEqual(expired.body.error_codes, [700082]);
  });

  it('expires refresh tokens on demand through the control API', async () => {
    const result = (await control('POST', '/_emulator/refresh-tokens/expire', { userId: DEMO.alice.id })) as {
      expired: number;
    };
    assert.equal(result.expired, 1);
    assert.deepEqual((await redeemRaw(cachedRefreshToken())).body.error_codes, [700082]);
  });

  it('refuses to refresh once the consent is revoked (AADSTS65001, consent_required)', async () => {
    await control('POST', '/_emulator/grants/revoke', {
      tenantId: DEMO.contoso,
      clientId: DEMO.clientId,
      userId: DEMO.alice.id,
    });
    await assert.rejects(silent(), (err: unknown) => {
      assert.ok(err instanceof InteractionRequiredAuthError, String(err));
      assert.equal(err.errorCode, 'invalid_grant');
      assert.equal(err.subError, 'consent_required');
      assert.match(err.errorMessage, /AADSTS65001/);
      return true;
    });
  });

  it('rejects a refresh token that was never issued', async () => {
    const forged = await redeemRaw('not-a-refresh-token');
    assert.deepEqual(forged.body.error_codes, [70000]);
  });
});
