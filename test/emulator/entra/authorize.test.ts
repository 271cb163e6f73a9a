import assert from 'node:assert/strict';
import { CryptoProvider } from '@azure/msal-node';
import { EmulatorBrowser, expectPage, expectRedirect } from '../../support/emulator-browser.js';
import {
  DEMO,
  GRAPH_SCOPES,
  msalClient,
  signInForCode,
  verifyWithJwks,
} from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

describe('emulator Entra authorize endpoint', () => {
  let emu: TestEmulator;
  let browser: EmulatorBrowser;

  beforeEach(async () => {
    emu = await startTestEmulator();
    browser = new EmulatorBrowser(emu.origin, emu.caPem);
  });
  afterEach(() => emu.close());

  function authorizeUrl(params: Record<string, string>, tenant = 'organizations'): string {
    const q = new URLSearchParams({
      client_id: DEMO.clientId,
      redirect_uri: DEMO.redirectUri,
      response_type: 'code',
      scope: 'openid profile offline_access User.Read',
      state: 'state-123',
      ...params,
    });
    return `${emu.origin}/${tenant}/oauth2/v2.0/authorize?${q}`;
  }

  it('signs in with msal-node, PKCE, the sign-in form and the consent page, and issues verifiable tokens', async () => {
    const cca = msalClient(emu);
    const { code, verifier, state, redirect } = await signInForCode(emu, cca, DEMO.alice);
    assert.equal(redirect.origin + redirect.pathname, DEMO.redirectUri);
    assert.equal(redirect.searchParams.get('state'), state);
    assert.ok(redirect.searchParams.get('session_state'));

    const result = await cca.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: DEMO.redirectUri,
      scopes: GRAPH_SCOPES,
    });
    assert.equal(result.account?.username, DEMO.alice.username);
    assert.equal(result.account?.homeAccountId, `${DEMO.alice.id}.${DEMO.contoso}`);

    const access = await verifyWithJwks(emu, result.accessToken);
    assert.equal(access.aud, '00000003-0000-0000-c000-000000000000');
    assert.equal(access.iss, `${emu.origin}/${DEMO.contoso}/`);
    assert.equal(access.ver, '1.0');
    assert.equal(access.tid, DEMO.contoso);
    assert.equal(access.oid, DEMO.alice.id);
    assert.equal(access.upn, DEMO.alice.username);
    assert.equal(access.unique_name, DEMO.alice.username);
    assert.equal(access.appid, DEMO.clientId);
    assert.deepEqual(String(access.scp).split(' ').slice(0, 2), ['User.Read', 'Mail.Read']);

    const id = await verifyWithJwks(emu, result.idToken);
    assert.equal(id.aud, DEMO.clientId);
    assert.equal(id.iss, `${emu.origin}/${DEMO.contoso}/v2.0`);
    assert.equal(id.ver, '2.0');
    assert.equal(id.preferred_username, DEMO.alice.username);
    assert.equal(id.email, DEMO.alice.username);
    assert.equal(id.name, 'Alice Smith');
  });

  it('records the consent, so the next sign-in skips the consent page and a live session skips the form', async () => {
    const first = await browser.signIn(await browser.get(authorizeUrl({})), DEMO.alice);
    assert.ok(expectRedirect(first).searchParams.get('code'));
    const grants = emu.ctx.directory.listGrants({ tenantId: DEMO.contoso });
    assert.deepEqual(grants[0]?.scopes, ['User.Read']);
    assert.equal(grants[0]?.principalId, DEMO.alice.id);

    const again = await browser.get(authorizeUrl({ state: 'second' }));
    const location = expectRedirect(again);
    assert.ok(location.searchParams.get('code'));
    assert.equal(location.searchParams.get('state'), 'second');
  });

  it('shows the consent page listing the requested permissions, and Cancel returns access_denied AADSTS65004', async () => {
    const signIn = await browser.get(authorizeUrl({ scope: 'openid Mail.Read Calendars.ReadWrite' }));
    const consent = expectPage(
      await browser.submit(signIn, { login: DEMO.alice.username, passwd: DEMO.alice.password }, '/login'),
    );
    assert.match(consent.html, /Permissions requested/);
    assert.match(consent.html, /Read your mail/);
    assert.match(consent.html, /Have full access to your calendars/);
    const back = expectRedirect(await browser.submit(consent, { decision: 'cancel' }, '/Consent/Set'));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS65004: /);
    assert.equal(back.searchParams.get('state'), 'state-123');
    assert.equal(emu.ctx.directory.listGrants().length, 0);
  });

  it('rejects a wrong password on the sign-in page with AADSTS50126 and signs nobody in', async () => {
    const page = expectPage(
      await browser.submit(
        await browser.get(authorizeUrl({})),
        { login: DEMO.alice.username, passwd: 'wrong' },
        '/login',
      ),
    );
    assert.match(page.html, /AADSTS50126/);
    assert.match(page.html, /name="passwd"/);
    const silent = expectRedirect(await browser.get(authorizeUrl({ prompt: 'none' })));
    assert.equal(silent.searchParams.get('error'), 'login_required', 'no session was created');
  });

  it('answers prompt=none without a session with login_required on the redirect URI', async () => {
    const back = expectRedirect(await browser.get(authorizeUrl({ prompt: 'none' })));
    assert.equal(back.searchParams.get('error'), 'login_required');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS50058: /);
    assert.match(
      back.searchParams.get('error_description')!,
      /\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: /,
    );
  });

  it('renders an error page, without redirecting, for an unregistered redirect URI or an unknown client', async () => {
    const badRedirect = expectPage(
      await browser.get(authorizeUrl({ redirect_uri: 'https://evil.example/cb' })),
    );
    assert.equal(badRedirect.status, 400);
    assert.match(badRedirect.html, /AADSTS50011/);
    const unknown = expectPage(
      await browser.get(authorizeUrl({ client_id: '99999999-2222-4333-8444-555555555555' })),
    );
    assert.match(unknown.html, /AADSTS700016/);
    const tenant = expectPage(await browser.get(authorizeUrl({}, 'nowhere.example')));
    assert.match(tenant.html, /AADSTS90002/);
  });

  it('sends request errors back to the app: response_type, PKCE method, prompt and scope', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ response_type: 'token' }, 'unauthorized_client', 'AADSTS700051'],
      [
        { code_challenge: new CryptoProvider().createNewGuid(), code_challenge_method: 'plain' },
        'invalid_request',
        'AADSTS501491',
      ],
      [{ prompt: 'sometimes' }, 'invalid_request', 'AADSTS90023'],
      [{ scope: 'openid Mail.Fly' }, 'invalid_scope', 'AADSTS70011'],
      [{ scope: `Mail.Read ${DEMO.appIdUri}/access_as_user` }, 'invalid_scope', 'AADSTS28000'],
    ];
    for (const [params, error, code] of cases) {
      const back = expectRedirect(await browser.get(authorizeUrl(params)));
      assert.equal(back.searchParams.get('error'), error, JSON.stringify(params));
      assert.ok(back.searchParams.get('error_description')!.startsWith(`${code}: `), JSON.stringify(params));
      assert.equal(back.searchParams.get('state'), 'state-123');
    }
  });

  it('refuses a user of another tenant on a tenant-specific authorize URL with AADSTS50020', async () => {
    const back = expectRedirect(
      await browser.signIn(await browser.get(authorizeUrl({}, 'contoso.com')), DEMO.erin),
    );
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS50020: /);
  });

  it('shows "Need admin approval" in an admin-only tenant; Request approval records it and returns AADSTS90095', async () => {
    const signIn = await browser.get(authorizeUrl({ scope: 'openid offline_access Mail.Read' }));
    const approval = expectPage(
      await browser.submit(signIn, { login: DEMO.erin.username, passwd: DEMO.erin.password }, '/login'),
    );
    assert.match(approval.html, /Need admin approval/);
    assert.match(approval.html, /<textarea[^>]*name="justification"/);
    assert.match(approval.html, /Request approval/);
    assert.match(approval.html, /Return to the application without consenting/);

    const back = expectRedirect(
      await browser.submit(approval, { justification: 'I need my mail in the CRM' }, '/request-approval'),
    );
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS90095: /);
    assert.equal(back.searchParams.get('state'), 'state-123');
    const [request] = emu.ctx.directory.listConsentRequests({ tenantId: DEMO.fabrikam });
    assert.equal(request?.userId, DEMO.erin.id);
    assert.equal(request?.justification, 'I need my mail in the CRM');
    assert.deepEqual(request?.scopes, ['Mail.Read']);
    assert.equal(request?.status, 'pending');
    assert.equal(emu.ctx.directory.listGrants().length, 0, 'no consent was granted');
  });

  it('does not accept a hand-made consent post from a user who may not consent', async () => {
    const signIn = await browser.get(authorizeUrl({}));
    const approval = expectPage(
      await browser.submit(signIn, { login: DEMO.erin.username, passwd: DEMO.erin.password }, '/login'),
    );
    const flow = /name="flow" value="([^"]+)"/.exec(approval.html)![1]!;
    const forged = expectPage(
      await browser.submit(
        {
          kind: 'page',
          url: '',
          status: 200,
          html: `<form action="/organizations/Consent/Set"><input type="hidden" name="flow" value="${flow}"></form>`,
        },
        { decision: 'accept' },
        '/Consent/Set',
      ),
    );
    assert.match(forged.html, /Need admin approval/);
    assert.equal(emu.ctx.directory.listGrants().length, 0);
  });

  it('returns to the app without consent from "Need admin approval" with AADSTS65004 and error_subcode=cancel', async () => {
    const approval = await browser.signIn(await browser.get(authorizeUrl({})), DEMO.erin, 'none');
    const back = expectRedirect(await browser.followLink(approval, 'return'));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_subcode'), 'cancel');
    assert.match(back.searchParams.get('error_description')!, /^AADSTS65004: /);
    assert.equal(emu.ctx.directory.listConsentRequests().length, 0);
  });

  it('lets a user of an admin-only tenant straight through once an administrator consented for the tenant', async () => {
    const admin = new EmulatorBrowser(emu.origin, emu.caPem);
    const adminConsentUrl = `${emu.origin}/${DEMO.fabrikam}/v2.0/adminconsent?${new URLSearchParams({
      client_id: DEMO.clientId,
      redirect_uri: DEMO.adminConsentRedirectUri,
      scope: 'https://graph.microsoft.com/.default',
      state: 'admin-state',
    })}`;
    const granted = expectRedirect(await admin.signIn(await admin.get(adminConsentUrl), DEMO.frank));
    assert.equal(granted.searchParams.get('admin_consent'), 'True');

    const back = expectRedirect(await browser.signIn(await browser.get(authorizeUrl({})), DEMO.erin, 'none'));
    assert.ok(back.searchParams.get('code'), 'no consent or approval page for Erin');
  });

  it('honours prompt=login (form again) and prompt=consent (consent page again)', async () => {
    expectRedirect(await browser.signIn(await browser.get(authorizeUrl({})), DEMO.alice));
    const login = expectPage(await browser.get(authorizeUrl({ prompt: 'login' })));
    assert.match(login.html, /name="passwd"/);
    const consent = expectPage(await browser.get(authorizeUrl({ prompt: 'consent' })));
    assert.match(consent.html, /Permissions requested/);
  });

  // Microsoft identity platform, "OAuth 2.0 authorization code flow" (v2-oauth2-auth-code-flow):
  // login_hint "pre-fill[s] the username and email address field of the sign-in page"; domain_hint
  // skips the e-mail-based discovery, and a live session of a user the hints do not name is not reused.
  it('pre-fills the sign-in page with login_hint, and a session of someone else does not answer it', async () => {
    const page = expectPage(await browser.get(authorizeUrl({ login_hint: DEMO.alice.username })));
    assert.match(page.html, new RegExp(`id="login" name="login"[^>]*value="${DEMO.alice.username}"`));
    await browser.signIn(page, DEMO.alice);
    const other = expectPage(
      await browser.get(authorizeUrl({ login_hint: DEMO.erin.username, domain_hint: 'fabrikam.com' })),
    );
    assert.match(other.html, new RegExp(`id="login" name="login"[^>]*value="${DEMO.erin.username}"`));
  });

  it('returns the code by form_post when asked', async () => {
    const page = expectPage(
      await browser.signIn(await browser.get(authorizeUrl({ response_mode: 'form_post' })), DEMO.alice),
    );
    assert.match(page.html, new RegExp(`<form method="post" action="${DEMO.redirectUri}">`));
    assert.match(page.html, /name="code" value="[^"]+"/);
    assert.match(page.html, /name="state" value="state-123"/);
  });
});
