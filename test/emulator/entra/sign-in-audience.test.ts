import assert from 'node:assert/strict';
import { ServerError } from '@azure/msal-node';
import { trustedFetch } from '../../../bot/net/tls-trust.js';
import { EmulatorBrowser, expectPage, expectRedirect } from '../../support/emulator-browser.js';
import { DEMO, GRAPH_SCOPES, msalClient, signInForCode } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

/**
 * `signInAudience` at the authorize and token endpoints. Sources (Microsoft identity platform):
 * "Microsoft Entra authentication and authorization error codes"
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes: AADSTS50194
 * InvalidMultiTenantConfiguration... "not configured as a multi-tenant application", AADSTS700016
 * UnauthorizedClient_DoesNotMatchRequest "application wasn't found in the directory/tenant",
 * AADSTS50020 UserUnauthorizedInvalidTenant "user account doesn't exist in the tenant") and
 * "Convert single-tenant app to multitenant on Microsoft Entra ID"
 * (https://learn.microsoft.com/entra/identity-platform/howto-convert-app-to-be-multi-tenant: a
 * single-tenant app signs in at its tenant's endpoint; /common and /organizations are for multitenant apps).
 */
const SINGLE = {
  appId: '22222222-3333-4444-8555-666666666666',
  displayName: 'Contoso Cloud Sync',
  secret: 'single-tenant-secret',
};

describe('emulator Entra: signInAudience (single- vs multi-tenant apps)', () => {
  let emu: TestEmulator;
  let browser: EmulatorBrowser;

  beforeEach(async () => {
    emu = await startTestEmulator();
    browser = new EmulatorBrowser(emu.origin, emu.caPem);
    // Contoso registers its own single-tenant app, as `teamsapp provision` does with AzureADMyOrg.
    const res = await trustedFetch(emu.caPem)(`${emu.origin}/_emulator/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appId: SINGLE.appId,
        displayName: SINGLE.displayName,
        homeTenantId: DEMO.contoso,
        signInAudience: 'AzureADMyOrg',
        clientSecrets: [SINGLE.secret],
        redirectUris: [DEMO.redirectUri],
        requiredGraphScopes: GRAPH_SCOPES,
      }),
    });
    assert.equal(res.status, 201, await res.text());
  });
  afterEach(() => emu.close());

  const single = (tenant: string) =>
    msalClient(emu, { clientId: SINGLE.appId, clientSecret: SINGLE.secret, tenant });

  function authorizeUrl(tenant: string): string {
    const q = new URLSearchParams({
      client_id: SINGLE.appId,
      redirect_uri: DEMO.redirectUri,
      response_type: 'code',
      scope: 'openid offline_access User.Read',
      state: 'state-1',
    });
    return `${emu.origin}/${tenant}/oauth2/v2.0/authorize?${q}`;
  }

  async function rejects(promise: Promise<unknown>, code: number, error: string): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof ServerError, String(err));
      assert.equal(err.errorCode, error);
      assert.equal(String(err.errorNo), String(code));
      return true;
    });
  }

  it('signs a user of its home tenant in through msal-node at the tenant-specific endpoint', async () => {
    const cca = single(DEMO.contoso);
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice, GRAPH_SCOPES, browser);
    const result = await cca.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: DEMO.redirectUri,
      scopes: GRAPH_SCOPES,
    });
    assert.equal((result.idTokenClaims as { tid?: string }).tid, DEMO.contoso);
    assert.equal(result.account?.username, DEMO.alice.username);
    // Refreshing at the same tenant keeps working (the sync worker's path).
    const cache = JSON.parse(cca.getTokenCache().serialize()) as {
      RefreshToken: Record<string, { secret: string }>;
    };
    const refreshToken = Object.values(cache.RefreshToken)[0]!.secret;
    const again = await single(DEMO.contoso).acquireTokenByRefreshToken({
      refreshToken,
      scopes: GRAPH_SCOPES,
    });
    assert.ok(again?.accessToken);
  });

  for (const alias of ['organizations', 'common']) {
    it(`refuses a single-tenant app on /${alias} at authorize with AADSTS50194 (invalid_request), back on the redirect URI`, async () => {
      const back = expectRedirect(await browser.get(authorizeUrl(alias)));
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.match(
        back.searchParams.get('error_description')!,
        /^AADSTS50194: Application '22222222-3333-4444-8555-666666666666'\(Contoso Cloud Sync\) is not configured as a multi-tenant application/,
      );
      assert.equal(back.searchParams.get('state'), 'state-1');
    });
  }

  it('refuses to redeem a home-tenant code on /organizations with AADSTS50194, and the code stays unredeemed', async () => {
    const { code, verifier } = await signInForCode(
      emu,
      single(DEMO.contoso),
      DEMO.alice,
      GRAPH_SCOPES,
      browser,
    );
    const request = { code, codeVerifier: verifier, redirectUri: DEMO.redirectUri, scopes: GRAPH_SCOPES };
    await rejects(single('organizations').acquireTokenByCode(request), 50194, 'invalid_request');
    await rejects(single('common').acquireTokenByCode(request), 50194, 'invalid_request');
    const ok = await single(DEMO.contoso).acquireTokenByCode(request);
    assert.equal((ok.idTokenClaims as { tid?: string }).tid, DEMO.contoso);
  });

  it('does not find a single-tenant app in another tenant: a page with AADSTS700016 at authorize, unauthorized_client at the token endpoint', async () => {
    const page = expectPage(await browser.get(authorizeUrl(DEMO.fabrikam)));
    assert.equal(page.status, 400);
    assert.match(page.html, /AADSTS700016/);
    assert.match(page.html, new RegExp(`not found in the directory &#39;${DEMO.fabrikam}&#39;`));

    const res = await trustedFetch(emu.caPem)(`${emu.origin}/fabrikam.com/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SINGLE.appId,
        client_secret: SINGLE.secret,
        code: 'any',
        redirect_uri: DEMO.redirectUri,
      }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; error_codes: number[] };
    assert.equal(body.error, 'unauthorized_client');
    assert.deepEqual(body.error_codes, [700016]);
  });

  it('refuses a user of another tenant at the home tenant with AADSTS50020 and issues no code', async () => {
    const back = expectRedirect(
      await browser.signIn(await browser.get(authorizeUrl(DEMO.contoso)), DEMO.erin),
    );
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(
      back.searchParams.get('error_description')!,
      /^AADSTS50020: User account 'erin\.lee@fabrikam\.com'/,
    );
    assert.equal(back.searchParams.get('code'), null);
  });

  it('serves the multi-tenant demo app (AzureADMultipleOrgs) on /organizations for users of both tenants', async () => {
    for (const user of [DEMO.alice, DEMO.frank]) {
      const cca = msalClient(emu);
      const { code, verifier } = await signInForCode(
        emu,
        cca,
        user,
        GRAPH_SCOPES,
        new EmulatorBrowser(emu.origin, emu.caPem),
      );
      const result = await cca.acquireTokenByCode({
        code,
        codeVerifier: verifier,
        redirectUri: DEMO.redirectUri,
        scopes: GRAPH_SCOPES,
      });
      assert.equal(result.account?.username, user.username);
    }
  });
});
