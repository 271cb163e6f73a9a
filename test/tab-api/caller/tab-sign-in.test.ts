import assert from 'node:assert/strict';
import { EmulatorBrowser, expectRedirect } from '../../support/emulator-browser.js';
import { DEMO } from '../../support/emulator-msal.js';
import { call } from '../fixtures/http.js';
import { startTabStack, type TabStack } from '../fixtures/tab-stack.js';

/** The browser sign-in of the tab (bot/tab-api/caller/tab-sign-in) with real msal-node against the emulator. */
describe('tab browser sign-in (bot/tab-api/caller/tab-sign-in)', function () {
  let stack: TabStack;

  before(async function () {
    stack = await startTabStack();
  });

  after(async function () {
    await stack?.close();
  });

  /** /auth/tab/start → the emulator's pages as Alice → the code and state on auth-end, plus our cookie. */
  async function startAndSignIn() {
    const start = await fetch(`${stack.baseUrl}/auth/tab/start`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const cookie = start.headers.get('set-cookie') ?? '';
    const authorize = new URL(start.headers.get('location') ?? '');
    const browser = new EmulatorBrowser(stack.emu.origin, stack.emu.caPem);
    const landing = expectRedirect(await browser.signIn(await browser.get(authorize.toString()), DEMO.alice));
    return { cookie, authorize, landing, pair: cookie.split(';')[0] ?? '' };
  }

  const callback = (pair: string, body: unknown) =>
    fetch(`${stack.baseUrl}/auth/tab/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(pair ? { cookie: pair } : {}) },
      body: JSON.stringify(body),
    });

  it('signs in with auth code + PKCE and hands the API token over in a response body only', async function () {
    const { cookie, authorize, landing, pair } = await startAndSignIn();
    assert.equal(authorize.origin, stack.emu.origin);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.match(
      authorize.searchParams.get('scope') ?? '',
      /api:\/\/localhost\/11111111-2222-4333-8444-555555555555\/access_as_user/,
    );
    assert.equal(authorize.searchParams.get('redirect_uri'), `${stack.baseUrl}/tab/auth-end.html`);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Path=\/auth\/tab/);
    assert.match(cookie, /SameSite=Lax/);
    assert.equal(`${landing.origin}${landing.pathname}`, `${stack.baseUrl}/tab/auth-end.html`);
    assert.equal(landing.searchParams.get('state'), authorize.searchParams.get('state'));

    const res = await callback(pair, {
      code: landing.searchParams.get('code'),
      state: landing.searchParams.get('state'),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('set-cookie') ?? '', /Max-Age=0/, 'the verifier cookie is single-use');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { accessToken: string; expiresOn: string };
    assert.ok(Date.parse(body.expiresOn) > Date.now());
    const me = await call(stack.baseUrl, 'GET', '/api/me', { token: body.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.json.email, 'alice.smith@contoso.com');

    const replay = await callback(pair, {
      code: landing.searchParams.get('code'),
      state: landing.searchParams.get('state'),
    });
    assert.equal(replay.status, 400, 'a code is redeemed once');
    assert.equal(((await replay.json()) as { error: string }).error, 'sign_in_failed');
  });

  it('refuses a callback whose state is not the one this browser started, or without the cookie', async function () {
    const { landing, pair } = await startAndSignIn();
    const code = landing.searchParams.get('code');
    const wrong = await callback(pair, { code, state: 'someone-elses-state' });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: string }).error, 'sign_in_state_mismatch');
    const noCookie = await callback('', { code, state: landing.searchParams.get('state') });
    assert.equal(noCookie.status, 400);
    assert.equal(((await noCookie.json()) as { error: string }).error, 'sign_in_expired');
    const tampered = await callback('tab_sign_in=not-base64-json', {
      code,
      state: landing.searchParams.get('state'),
    });
    assert.equal(tampered.status, 400);
    const badBody = await callback(pair, { code });
    assert.equal(badBody.status, 400);
  });
});

describe('tab browser sign-in with a single-tenant app (AzureADMyOrg)', function () {
  let stack: TabStack;
  before(async function () {
    stack = await startTabStack({ singleTenantApp: { tenantId: DEMO.contoso } });
  });
  after(async function () {
    await stack?.close();
  });

  it("signs in at the organisation's own tenant, never /organizations (which Entra refuses: AADSTS50194)", async function () {
    const start = await fetch(`${stack.baseUrl}/auth/tab/start`, { redirect: 'manual' });
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const authorize = new URL(start.headers.get('location') ?? '');
    assert.equal(authorize.pathname, `/${DEMO.contoso}/oauth2/v2.0/authorize`);
    const browser = new EmulatorBrowser(stack.emu.origin, stack.emu.caPem);
    const landing = expectRedirect(await browser.signIn(await browser.get(authorize.toString()), DEMO.alice));
    assert.equal(landing.searchParams.get('error'), null, landing.search);
    const res = await fetch(`${stack.baseUrl}/auth/tab/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        code: landing.searchParams.get('code'),
        state: landing.searchParams.get('state'),
      }),
    });
    assert.equal(res.status, 200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    const me = await call(stack.baseUrl, 'GET', '/api/me', { token: accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.json.email, 'alice.smith@contoso.com');
  });
});
