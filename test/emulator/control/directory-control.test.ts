import assert from 'node:assert/strict';
import { trustedFetch, type FetchLike } from '../../../bot/net/tls-trust.js';
import { controlRoute } from '../../../emulator/control/control-route.js';
import { json } from '../../../emulator/http.js';
import { EmulatorBrowser, expectPage, expectRedirect } from '../../support/emulator-browser.js';
import { DEMO, msalClient, signInForCode } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

describe('emulator directory control API', () => {
  let emu: TestEmulator;
  let fetch: FetchLike;

  beforeEach(async () => {
    emu = await startTestEmulator();
    fetch = trustedFetch(emu.caPem);
  });
  afterEach(() => emu.close());

  // Control API answers are read field by field in each test.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${emu.origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  it('lists the seeded tenants and users without passwords or client secrets', async () => {
    const tenants = await call('GET', '/_emulator/tenants');
    assert.deepEqual(
      tenants.body.value.map((t: { displayName: string; userConsent: string }) => [
        t.displayName,
        t.userConsent,
      ]),
      [
        ['Contoso Recruitment', 'allowed'],
        ['Fabrikam Staffing', 'adminOnly'],
      ],
    );
    const users = await call('GET', `/_emulator/users?tenantId=${DEMO.fabrikam}`);
    assert.deepEqual(
      users.body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName),
      [DEMO.erin.username, DEMO.frank.username],
    );
    assert.equal(users.body.value[0].password, undefined);
    const apps = await call('GET', '/_emulator/applications');
    assert.equal(apps.body.value[0].clientSecrets, undefined);
  });

  it('adds a user who can then sign in, and rejects bad input with a 400 that changes nothing', async () => {
    const added = await call('POST', '/_emulator/users', {
      id: 'a1000000-0000-4000-8000-000000000099',
      tenantId: DEMO.contoso,
      userPrincipalName: 'zoe.new@contoso.com',
      displayName: 'Zoe New',
      password: 'pw',
    });
    assert.equal(added.status, 201);
    assert.equal(added.body.mail, 'zoe.new@contoso.com');
    const browser = new EmulatorBrowser(emu.origin, emu.caPem);
    const url = await msalClient(emu).getAuthCodeUrl({
      scopes: ['User.Read'],
      redirectUri: DEMO.redirectUri,
    });
    assert.ok(
      expectRedirect(
        await browser.signIn(await browser.get(url), { username: 'zoe.new@contoso.com', password: 'pw' }),
      ).searchParams.get('code'),
    );

    const before = emu.ctx.directory.listUsers().length;
    const wrongDomain = await call('POST', '/_emulator/users', {
      id: 'a1000000-0000-4000-8000-000000000098',
      tenantId: DEMO.contoso,
      userPrincipalName: 'x@fabrikam.com',
      displayName: 'X',
      password: 'pw',
    });
    assert.equal(wrongDomain.status, 400);
    assert.match(wrongDomain.body.error.message, /not a verified domain/);
    const notJson = await call('POST', '/_emulator/users', '{not json');
    assert.equal(notJson.status, 400);
    const missing = await call('POST', '/_emulator/tenants', { id: 'nope' });
    assert.match(missing.body.error.message, /id must be a GUID/);
    assert.equal(emu.ctx.directory.listUsers().length, before);
  });

  // Graph "user resource type": changes to mail put it into proxyAddresses as the primary SMTP address;
  // "SMTP:" is the primary, "smtp:" an alias. A change in place keeps every sign-in (no reseed).
  it('updates a user in place (aliases, mail, display name), keeping their sign-in, and refuses bad changes', async () => {
    emu.ctx.directory.addGrant({
      clientId: DEMO.clientId,
      tenantId: DEMO.contoso,
      consentType: 'AllPrincipals',
      scopes: ['User.Read'],
    });
    const cca = msalClient(emu);
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice, ['User.Read']);
    const first = await cca.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: DEMO.redirectUri,
      scopes: ['User.Read'],
    });

    const aliases = await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, {
      proxyAddresses: ['SMTP:alice.smith@contoso.com', 'smtp:a.smith@contoso.com'],
      displayName: 'Alice Smith-Jones',
    });
    assert.equal(aliases.status, 200);
    assert.equal(aliases.body.displayName, 'Alice Smith-Jones');
    assert.equal(aliases.body.password, undefined);
    const renamed = await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, {
      mail: 'alice.jones@contoso.com',
    });
    assert.equal(renamed.body.mail, 'alice.jones@contoso.com');
    assert.deepEqual(renamed.body.proxyAddresses, [
      'SMTP:alice.jones@contoso.com',
      'smtp:alice.smith@contoso.com',
      'smtp:a.smith@contoso.com',
    ]);

    // The sign-in from before the change still refreshes, and Graph shows the new addresses.
    const refreshed = await cca.acquireTokenSilent({
      account: first.account!,
      scopes: ['User.Read'],
      forceRefresh: true,
    });
    const me = await fetch(`${emu.origin}/v1.0/me?$select=mail,proxyAddresses,displayName`, {
      headers: { authorization: `Bearer ${refreshed.accessToken}` },
    });
    assert.deepEqual(await me.json(), {
      '@odata.context': `${emu.origin}/v1.0/$metadata#users(mail,proxyAddresses,displayName)/$entity`,
      mail: 'alice.jones@contoso.com',
      proxyAddresses: renamed.body.proxyAddresses,
      displayName: 'Alice Smith-Jones',
    });

    const before = JSON.stringify(emu.ctx.directory.findUserById(DEMO.alice.id));
    const taken = await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, {
      proxyAddresses: ['SMTP:alice.jones@contoso.com', 'smtp:ben.jones@contoso.com'],
    });
    assert.equal(taken.status, 400);
    assert.match(taken.body.error.message, /already an address of ben\.jones@contoso\.com/);
    const foreign = await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, { mail: 'alice@fabrikam.com' });
    assert.match(foreign.body.error.message, /not on a verified domain/);
    const twoPrimaries = await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, {
      proxyAddresses: ['SMTP:alice.jones@contoso.com', 'SMTP:a.smith@contoso.com'],
    });
    assert.match(twoPrimaries.body.error.message, /only one primary/);
    assert.equal((await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, {})).status, 400);
    assert.equal(
      (await call('PATCH', `/_emulator/users/${DEMO.alice.id}`, { upn: 'x@contoso.com' })).status,
      400,
    );
    assert.equal(
      (await call('PATCH', '/_emulator/users/a1000000-0000-4000-8000-0000000000ff', { displayName: 'X' }))
        .status,
      404,
    );
    assert.equal(JSON.stringify(emu.ctx.directory.findUserById(DEMO.alice.id)), before);
  });

  it("switches a tenant's consent policy, which decides between the consent page and Need admin approval", async () => {
    const put = await call('PUT', `/_emulator/tenants/${DEMO.contoso}/consent-policy`, {
      userConsent: 'adminOnly',
    });
    assert.equal(put.status, 200);
    const browser = new EmulatorBrowser(emu.origin, emu.caPem);
    const url = await msalClient(emu).getAuthCodeUrl({
      scopes: ['Mail.Read'],
      redirectUri: DEMO.redirectUri,
    });
    const page = expectPage(await browser.signIn(await browser.get(url), DEMO.alice, 'none'));
    assert.match(page.html, /Need admin approval/);
    const bad = await call('PUT', `/_emulator/tenants/${DEMO.contoso}/consent-policy`, {
      userConsent: 'sometimes',
    });
    assert.equal(bad.status, 400);
  });

  it('grants and revokes consent, and lists admin-consent requests', async () => {
    const granted = await call('POST', '/_emulator/grants', {
      clientId: DEMO.clientId,
      tenantId: DEMO.fabrikam,
      consentType: 'AllPrincipals',
      scopes: ['Mail.Read'],
    });
    assert.equal(granted.status, 201);
    assert.equal((await call('GET', `/_emulator/grants?tenantId=${DEMO.fabrikam}`)).body.value.length, 1);
    const revoked = await call('POST', '/_emulator/grants/revoke', {
      tenantId: DEMO.fabrikam,
      clientId: DEMO.clientId,
    });
    assert.deepEqual(revoked.body, { changed: 1 });
    assert.equal(
      (await call('POST', '/_emulator/grants/revoke', { tenantId: DEMO.fabrikam, clientId: DEMO.clientId }))
        .status,
      404,
    );

    emu.ctx.directory.addConsentRequest({
      tenantId: DEMO.fabrikam,
      clientId: DEMO.clientId,
      userId: DEMO.erin.id,
      userPrincipalName: DEMO.erin.username,
      scopes: ['Mail.Read'],
      justification: 'please',
    });
    const requests = await call(
      'GET',
      `/_emulator/consent-requests?tenantId=${DEMO.fabrikam}&status=pending`,
    );
    assert.equal(requests.body.value[0].justification, 'please');
    assert.equal((await call('GET', '/_emulator/consent-requests?status=bogus')).status, 400);
  });

  it('resets to the seed it started with, and loads an inline seed', async () => {
    await call('PUT', `/_emulator/tenants/${DEMO.contoso}/consent-policy`, { userConsent: 'adminOnly' });
    assert.equal((await call('POST', '/_emulator/reset')).status, 200);
    assert.equal(emu.ctx.directory.getTenant(DEMO.contoso)?.userConsent, 'allowed');

    const seeded = await call('POST', '/_emulator/seed', {
      directory: { tenants: [{ id: DEMO.contoso, displayName: 'Only', domains: ['only.example'] }] },
    });
    assert.deepEqual(seeded.body, { tenants: 1, users: 0, applications: 0, grants: 0 });
    const broken = await call('POST', '/_emulator/seed', { directory: { tenants: [{ id: 'x' }] } });
    assert.equal(broken.status, 400);
    assert.equal(emu.ctx.directory.listTenants()[0]?.displayName, 'Only', 'a bad seed changes nothing');
  });

  it('refuses callers that are not on this machine', async () => {
    const handler = controlRoute(() => json(200, { reached: true }));
    const res = await handler({
      method: 'GET',
      url: new URL('https://localhost/_emulator/tenants'),
      headers: {},
      body: Buffer.alloc(0),
      params: {},
      remoteAddress: '192.0.2.10',
      delivery: { received: { at: Date.now(), event: 0 }, written: Promise.resolve(null) },
    });
    assert.equal(res.status, 403);
  });
});
