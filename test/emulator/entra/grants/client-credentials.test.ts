import assert from 'node:assert/strict';
import { ServerError } from '@azure/msal-node';
import { trustedFetch } from '../../../../bot/net/tls-trust.js';
import { EmulatorBrowser, expectRedirect } from '../../../support/emulator-browser.js';
import { DEMO, msalClient, verifyWithJwks } from '../../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../../support/emulator.js';

describe('emulator Entra client credentials', () => {
  let emu: TestEmulator;

  beforeEach(async () => {
    emu = await startTestEmulator();
  });
  afterEach(() => emu.close());

  function errorNo(err: unknown): string {
    assert.ok(err instanceof ServerError, String(err));
    return String(err.errorNo);
  }

  it('issues an app-only Graph token whose roles are the admin-consented application permissions', async () => {
    emu.ctx.directory.addGrant({
      clientId: DEMO.clientId,
      tenantId: DEMO.contoso,
      consentType: 'AllPrincipals',
      roles: ['Mail.Read', 'Calendars.ReadWrite'],
    });
    const result = await msalClient(emu, { tenant: DEMO.contoso }).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    const claims = await verifyWithJwks(emu, result!.accessToken, DEMO.contoso);
    assert.equal(claims.aud, '00000003-0000-0000-c000-000000000000');
    assert.equal(claims.iss, `${emu.origin}/${DEMO.contoso}/`);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, DEMO.clientId);
    assert.deepEqual(claims.roles, ['Mail.Read', 'Calendars.ReadWrite']);
    assert.equal(claims.scp, undefined);
  });

  it('gives roles after an administrator consents with .default on the admin consent endpoint', async () => {
    const cca = msalClient(emu, { tenant: DEMO.fabrikam });
    await assert.rejects(
      cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
      (err) => {
        assert.equal(errorNo(err), '700016');
        return true;
      },
    );
    const browser = new EmulatorBrowser(emu.origin, emu.caPem);
    const adminConsent = `${emu.origin}/${DEMO.fabrikam}/v2.0/adminconsent?${new URLSearchParams({
      client_id: DEMO.clientId,
      redirect_uri: DEMO.adminConsentRedirectUri,
      scope: 'https://graph.microsoft.com/.default',
    })}`;
    expectRedirect(await browser.signIn(await browser.get(adminConsent), DEMO.frank));
    const app = emu.ctx.directory.getApplication(DEMO.clientId)!;
    const result = await cca.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    const claims = await verifyWithJwks(emu, result!.accessToken, DEMO.fabrikam);
    assert.deepEqual(claims.roles, app.requiredGraphRoles);
    assert.equal(claims.tid, DEMO.fabrikam);
  });

  it('requires a /.default scope (AADSTS1002012) and a tenant (AADSTS50059)', async () => {
    await assert.rejects(
      msalClient(emu, { tenant: DEMO.contoso }).acquireTokenByClientCredential({ scopes: ['Mail.Read'] }),
      (err) => {
        assert.equal(errorNo(err), '1002012');
        return true;
      },
    );
    // msal-node refuses this itself; a raw request shows what Entra answers.
    const res = await trustedFetch(emu.caPem)(`${emu.origin}/organizations/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEMO.clientId,
        client_secret: DEMO.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as { error_codes: number[] }).error_codes, [50059]);
  });
});
