import assert from 'node:assert/strict';
import { EmulatorBrowser, expectPage, expectRedirect } from '../../support/emulator-browser.js';
import { DEMO } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

describe('emulator Entra admin consent endpoint', () => {
  let emu: TestEmulator;
  let browser: EmulatorBrowser;

  beforeEach(async () => {
    emu = await startTestEmulator();
    browser = new EmulatorBrowser(emu.origin, emu.caPem);
  });
  afterEach(() => emu.close());

  function adminConsentUrl(
    tenant: string,
    scope = 'https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read',
  ): string {
    return `${emu.origin}/${tenant}/v2.0/adminconsent?${new URLSearchParams({
      client_id: DEMO.clientId,
      redirect_uri: DEMO.adminConsentRedirectUri,
      scope,
      state: 'consent-state',
    })}`;
  }

  it('lets an administrator grant tenant-wide consent and redirects with admin_consent=True, tenant, scope, state', async () => {
    const scope = 'https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read';
    const page = expectPage(
      await browser.submit(
        await browser.get(adminConsentUrl('organizations', scope)),
        { login: DEMO.frank.username, passwd: DEMO.frank.password },
        '/login',
      ),
    );
    assert.match(page.html, /for all users in your organization/);
    assert.match(page.html, /Read your mail/);
    // A pending "Request approval" is completed by the grant.
    emu.ctx.directory.addConsentRequest({
      tenantId: DEMO.fabrikam,
      clientId: DEMO.clientId,
      userId: DEMO.erin.id,
      userPrincipalName: DEMO.erin.username,
      scopes: ['Mail.Read'],
      justification: '',
    });
    const back = expectRedirect(await browser.submit(page, { decision: 'accept' }, '/Consent/Set'));
    assert.equal(back.origin + back.pathname, DEMO.adminConsentRedirectUri);
    assert.deepEqual([...back.searchParams.keys()], ['admin_consent', 'tenant', 'scope', 'state']);
    assert.equal(back.searchParams.get('admin_consent'), 'True');
    assert.equal(back.searchParams.get('tenant'), DEMO.fabrikam);
    assert.equal(back.searchParams.get('scope'), scope);
    assert.equal(back.searchParams.get('state'), 'consent-state');

    const [grant] = emu.ctx.directory.listGrants({ tenantId: DEMO.fabrikam });
    assert.equal(grant?.consentType, 'AllPrincipals');
    assert.deepEqual(grant?.scopes, ['Mail.Read', 'User.Read']);
    assert.equal(emu.ctx.directory.listConsentRequests({ tenantId: DEMO.fabrikam })[0]?.status, 'completed');
  });

  it('shows a non-administrator "Need admin approval" (AADSTS90094) and grants nothing', async () => {
    const page = expectPage(
      await browser.signIn(await browser.get(adminConsentUrl(DEMO.fabrikam)), DEMO.erin, 'none'),
    );
    assert.match(page.html, /Need admin approval/);
    assert.match(page.html, /only an admin can grant/);
    assert.doesNotMatch(page.html, /Request approval/);
    const back = expectRedirect(await browser.followLink(page, 'return'));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS65004: /);
    assert.equal(back.searchParams.get('admin_consent'), 'True');
    assert.equal(back.searchParams.get('state'), 'consent-state');
    assert.equal(emu.ctx.directory.listGrants().length, 0);
  });

  it('returns access_denied AADSTS65004 with admin_consent=True when the administrator cancels', async () => {
    const back = expectRedirect(
      await browser.signIn(await browser.get(adminConsentUrl(DEMO.contoso)), DEMO.dan, 'cancel'),
    );
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS65004: /);
    assert.equal(back.searchParams.get('admin_consent'), 'True');
    assert.equal(back.searchParams.get('tenant'), DEMO.contoso);
    assert.equal(emu.ctx.directory.listGrants().length, 0);
  });

  it('refuses an administrator of another tenant with AADSTS50020', async () => {
    const back = expectRedirect(
      await browser.signIn(await browser.get(adminConsentUrl(DEMO.contoso)), DEMO.frank, 'none'),
    );
    assert.match(back.searchParams.get('error_description')!, /^AADSTS50020: /);
    assert.equal(emu.ctx.directory.listGrants().length, 0);
  });

  it('renders an error page for an unregistered redirect URI', async () => {
    const url = adminConsentUrl(DEMO.contoso).replace(
      encodeURIComponent(DEMO.adminConsentRedirectUri),
      encodeURIComponent('https://evil.example/'),
    );
    const page = expectPage(await browser.get(url));
    assert.equal(page.status, 400);
    assert.match(page.html, /AADSTS50011/);
  });
});
