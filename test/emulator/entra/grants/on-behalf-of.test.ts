import assert from 'node:assert/strict';
import { AuthError, type ServerError } from '@azure/msal-node';
import { trustedFetch } from '../../../../bot/net/tls-trust.js';
import { DEMO, msalClient, signInForCode, verifyWithJwks } from '../../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../../support/emulator.js';

describe('emulator Entra on-behalf-of', () => {
  let emu: TestEmulator;

  beforeEach(async () => {
    emu = await startTestEmulator();
  });
  afterEach(() => emu.close());

  /** The token Teams hands a tab (getAuthToken), minted by the control API as the Teams client. */
  async function teamsSsoToken(upn: string): Promise<string> {
    const res = await trustedFetch(emu.caPem)(`${emu.origin}/_emulator/tokens/teams-sso`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: upn, appId: DEMO.clientId }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function grantGraph(userId: string, tenantId: string, scopes: string[]): void {
    emu.ctx.directory.addGrant({
      clientId: DEMO.clientId,
      tenantId,
      consentType: 'Principal',
      principalId: userId,
      scopes,
    });
  }

  it('issues a v2.0 token for our own API from the sign-in, and trades it on-behalf-of for a Graph token', async () => {
    const cca = msalClient(emu);
    const apiScope = `${DEMO.appIdUri}/access_as_user`;
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice, [apiScope]);
    const api = await cca.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: DEMO.redirectUri,
      scopes: [apiScope],
    });
    const apiClaims = await verifyWithJwks(emu, api.accessToken);
    assert.equal(apiClaims.aud, DEMO.clientId);
    assert.equal(apiClaims.iss, `${emu.origin}/${DEMO.contoso}/v2.0`);
    assert.equal(apiClaims.ver, '2.0');
    assert.equal(apiClaims.scp, 'access_as_user');

    grantGraph(DEMO.alice.id, DEMO.contoso, ['Mail.Read']);
    const obo = await cca.acquireTokenOnBehalfOf({ oboAssertion: api.accessToken, scopes: ['Mail.Read'] });
    const graph = await verifyWithJwks(emu, obo!.accessToken);
    assert.equal(graph.aud, '00000003-0000-0000-c000-000000000000');
    assert.equal(graph.oid, DEMO.alice.id);
    assert.equal(graph.upn, DEMO.alice.username);
    assert.match(String(graph.scp), /Mail\.Read/);
  });

  it('trades a Teams SSO token (pre-authorized client) and reports missing Graph consent as AADSTS65001', async () => {
    const sso = await teamsSsoToken(DEMO.erin.username);
    const ssoClaims = await verifyWithJwks(emu, sso);
    assert.equal(ssoClaims.azp, '1fec8e78-bce4-4aaf-ab1b-5451cc387264');
    const cca = msalClient(emu);
    await assert.rejects(
      cca.acquireTokenOnBehalfOf({ oboAssertion: sso, scopes: ['Mail.Read'] }),
      (err: unknown) => {
        assert.ok(err instanceof AuthError, String(err));
        assert.equal(err.errorCode, 'invalid_grant');
        assert.equal(err.subError, 'consent_required');
        assert.match(err.errorMessage, /^AADSTS65001: /);
        return true;
      },
    );
    grantGraph(DEMO.erin.id, DEMO.fabrikam, ['Mail.Read']);
    const obo = await cca.acquireTokenOnBehalfOf({ oboAssertion: sso, scopes: ['Mail.Read'] });
    assert.equal((await verifyWithJwks(emu, obo!.accessToken)).tid, DEMO.fabrikam);
  });

  it('rejects a tampered assertion (AADSTS50013) and one for another audience (AADSTS500131)', async () => {
    const cca = msalClient(emu);
    const sso = await teamsSsoToken(DEMO.alice.username);
    const [h, p, s] = sso.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = [
      h,
      Buffer.from(JSON.stringify({ ...payload, oid: DEMO.dan.id })).toString('base64url'),
      s,
    ].join('.');
    await assert.rejects(
      cca.acquireTokenOnBehalfOf({ oboAssertion: tampered, scopes: ['Mail.Read'] }),
      (err: unknown) => {
        assert.equal(String((err as ServerError).errorNo), '50013');
        return true;
      },
    );
    const graphToken = await emu.ctx.keys.sign(
      { aud: '00000003-0000-0000-c000-000000000000', oid: DEMO.alice.id, tid: DEMO.contoso },
      600,
    );
    await assert.rejects(
      cca.acquireTokenOnBehalfOf({ oboAssertion: graphToken, scopes: ['Mail.Read'] }),
      (err: unknown) => {
        assert.equal(String((err as ServerError).errorNo), '500131');
        return true;
      },
    );
  });
});
