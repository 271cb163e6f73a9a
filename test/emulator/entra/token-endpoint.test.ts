import assert from 'node:assert/strict';
import { ServerError } from '@azure/msal-node';
import { trustedFetch } from '../../../bot/net/tls-trust.js';
import { DEMO, GRAPH_SCOPES, msalClient, signInForCode } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

describe('emulator Entra token endpoint', () => {
  let emu: TestEmulator;
  let post: (form: Record<string, string>, headers?: Record<string, string>) => Promise<Response>;

  before(async () => {
    emu = await startTestEmulator();
    const fetch = trustedFetch(emu.caPem);
    post = (form, headers = {}) =>
      fetch(`${emu.origin}/organizations/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams(form),
        headers,
      });
  });
  after(() => emu.close());

  async function rejects(promise: Promise<unknown>, code: string, error: string): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof ServerError, String(err));
      assert.equal(err.errorCode, error);
      assert.equal(`AADSTS${err.errorNo}`, code);
      assert.ok(err.errorMessage.includes(`Description: ${code}: `), err.errorMessage);
      return true;
    });
  }

  it('rejects a wrong client secret with invalid_client AADSTS7000215', async () => {
    const signIn = await signInForCode(emu, msalClient(emu), DEMO.alice);
    const wrong = msalClient(emu, { clientSecret: 'not-the-secret' });
    await rejects(
      wrong.acquireTokenByCode({
        code: signIn.code,
        codeVerifier: signIn.verifier,
        redirectUri: DEMO.redirectUri,
        scopes: GRAPH_SCOPES,
      }),
      'AADSTS7000215',
      'invalid_client',
    );
  });

  it('rejects a PKCE verifier that does not match the challenge with AADSTS501481', async () => {
    const cca = msalClient(emu);
    const { code } = await signInForCode(emu, cca, DEMO.alice);
    const other = 'a'.repeat(43);
    await rejects(
      cca.acquireTokenByCode({
        code,
        codeVerifier: other,
        redirectUri: DEMO.redirectUri,
        scopes: GRAPH_SCOPES,
      }),
      'AADSTS501481',
      'invalid_grant',
    );
  });

  it('redeems a code once; a second redemption gets AADSTS54005', async () => {
    const cca = msalClient(emu);
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice);
    const request = { code, codeVerifier: verifier, redirectUri: DEMO.redirectUri, scopes: GRAPH_SCOPES };
    assert.ok((await cca.acquireTokenByCode(request)).accessToken);
    await rejects(cca.acquireTokenByCode(request), 'AADSTS54005', 'invalid_grant');
  });

  it('rejects a redirect_uri other than the one the code was issued for with AADSTS500112', async () => {
    const cca = msalClient(emu);
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice);
    await rejects(
      cca.acquireTokenByCode({
        code,
        codeVerifier: verifier,
        redirectUri: DEMO.adminConsentRedirectUri,
        scopes: GRAPH_SCOPES,
      }),
      'AADSTS500112',
      'invalid_grant',
    );
  });

  it('expires codes after ten minutes (AADSTS70008)', async () => {
    const cca = msalClient(emu);
    const { code, verifier } = await signInForCode(emu, cca, DEMO.alice);
    emu.ctx.directory.clock.advance(601);
    try {
      await rejects(
        cca.acquireTokenByCode({
          code,
          codeVerifier: verifier,
          redirectUri: DEMO.redirectUri,
          scopes: GRAPH_SCOPES,
        }),
        'AADSTS70008',
        'invalid_grant',
      );
    } finally {
      emu.ctx.directory.clock.reset();
    }
  });

  it("answers in Microsoft's error shape with status codes and the caller's correlation id", async () => {
    const res = await post(
      { client_id: DEMO.clientId, client_secret: DEMO.clientSecret },
      { 'client-request-id': 'corr-1234' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('cache-control'), 'no-store, no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.error, 'invalid_request');
    assert.deepEqual(body.error_codes, [900144]);
    assert.equal(body.correlation_id, 'corr-1234');
    assert.match(String(body.trace_id), /^[0-9a-f-]{36}$/);
    assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    const lines = String(body.error_description).split('\r\n');
    assert.equal(
      lines[0],
      "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
    );
    assert.equal(lines[1], `Trace ID: ${body.trace_id}`);
    assert.equal(lines[2], 'Correlation ID: corr-1234');
    assert.equal(lines[3], `Timestamp: ${body.timestamp}`);
  });

  it('rejects unknown clients, missing secrets and unsupported grant types', async () => {
    const unknown = await post({
      grant_type: 'client_credentials',
      client_id: '99999999-2222-4333-8444-555555555555',
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(((await unknown.json()) as { error_codes: number[] }).error_codes, [700016]);
    const noSecret = await post({ grant_type: 'client_credentials', client_id: DEMO.clientId });
    assert.equal(noSecret.status, 401);
    assert.deepEqual(((await noSecret.json()) as { error_codes: number[] }).error_codes, [7000218]);
    const password = await post({
      grant_type: 'password',
      client_id: DEMO.clientId,
      client_secret: DEMO.clientSecret,
    });
    const body = (await password.json()) as { error: string; error_codes: number[] };
    assert.equal(body.error, 'unsupported_grant_type');
    assert.deepEqual(body.error_codes, [70003]);
  });

  it('accepts client_secret_basic authentication', async () => {
    const basic = Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64');
    const res = await trustedFetch(emu.caPem)(`${emu.origin}/${DEMO.contoso}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { token_type: string }).token_type, 'Bearer');
  });

  it('answers GET on the token endpoint with AADSTS900561', async () => {
    const res = await trustedFetch(emu.caPem)(`${emu.origin}/organizations/oauth2/v2.0/token`);
    assert.equal(res.status, 405);
    assert.deepEqual(((await res.json()) as { error_codes: number[] }).error_codes, [900561]);
  });
});
