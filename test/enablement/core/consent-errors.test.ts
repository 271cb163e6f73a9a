import assert from 'node:assert/strict';
import { buildAdminConsentUrl, classifyEntraError } from '../../../bot/enablement/core/consent-errors.js';

describe('classifyEntraError', () => {
  it('reads AADSTS65001 on the redirect as admin consent required', () => {
    const result = classifyEntraError(
      {
        error: 'consent_required',
        error_description:
          "AADSTS65001: The user or administrator has not consented to use the application with ID '1111'.\r\nTrace ID: x",
      },
      'sign_in',
    );
    assert.deepEqual(result, { kind: 'admin_consent_required', code: 65001 });
  });

  it('reads the "Need admin approval" codes (90094, 90095) as admin consent required, also from error_codes', () => {
    assert.deepEqual(
      classifyEntraError(
        { error: 'access_denied', error_description: 'AADSTS90094: needs permission' },
        'sign_in',
      ),
      { kind: 'admin_consent_required', code: 90094 },
    );
    assert.deepEqual(classifyEntraError({ error: 'invalid_grant', error_codes: [90095] }, 'sign_in'), {
      kind: 'admin_consent_required',
      code: 90095,
    });
  });

  it('reads the redirect after "Request approval" (access_denied with AADSTS90095) as admin consent required', () => {
    const result = classifyEntraError(
      {
        error: 'access_denied',
        error_description:
          'AADSTS90095: Admin consent is required for the permissions requested by this application.\r\nTrace ID: t',
      },
      'sign_in',
    );
    assert.deepEqual(result, { kind: 'admin_consent_required', code: 90095 });
  });

  it('reads consent_required as a suberror of a token error', () => {
    assert.deepEqual(
      classifyEntraError({ error: 'invalid_grant', suberror: 'consent_required' }, 'sign_in'),
      {
        kind: 'admin_consent_required',
      },
    );
  });

  it('reads a cancelled or declined consent as the user cancelling', () => {
    assert.deepEqual(
      classifyEntraError(
        { error: 'access_denied', error_subcode: 'cancel', error_description: 'AADSTS65004: x' },
        'sign_in',
      ),
      { kind: 'user_cancelled' },
    );
    assert.deepEqual(classifyEntraError({ error: 'access_denied' }, 'sign_in'), { kind: 'user_cancelled' });
  });

  it('reads invalid_grant on refresh as reconnect required, even with a consent code', () => {
    assert.deepEqual(
      classifyEntraError(
        { error: 'invalid_grant', error_description: 'AADSTS70008: expired', error_codes: [70008] },
        'refresh',
      ),
      { kind: 'reconnect_required', code: 70008 },
    );
    assert.deepEqual(classifyEntraError({ error: 'invalid_grant', error_codes: [65001] }, 'refresh'), {
      kind: 'reconnect_required',
      code: 65001,
    });
  });

  it('explains AADSTS50020 (an account of another tenant) in plain words instead of Entra text', () => {
    const result = classifyEntraError(
      {
        error: 'access_denied',
        error_description:
          "AADSTS50020: User account 'erin.lee@fabrikam.com' does not exist in tenant 'Contoso'.\r\nTrace ID: x",
      },
      'sign_in',
    );
    assert.equal(result.kind, 'other');
    assert.match(result.kind === 'other' ? result.message : '', /belongs to another organisation/);
  });

  it('keeps anything else as other with the first line of the description', () => {
    assert.deepEqual(
      classifyEntraError(
        { error: 'server_error', error_description: 'AADSTS90090: intermittent problem\r\nTrace ID: abc' },
        'sign_in',
      ),
      { kind: 'other', message: 'AADSTS90090: intermittent problem' },
    );
    assert.deepEqual(classifyEntraError({ error: 'temporarily_unavailable' }, 'refresh'), {
      kind: 'other',
      message: 'temporarily_unavailable',
    });
  });
});

describe('buildAdminConsentUrl', () => {
  it('builds the v2.0 adminconsent URL with resource scopes only', () => {
    const url = new URL(
      buildAdminConsentUrl({
        authorityHost: 'https://localhost:4433/',
        tenant: '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62',
        clientId: '11111111-2222-4333-8444-555555555555',
        redirectUri: 'http://localhost:3978/auth/admin-consent/callback',
        scopes: ['User.Read', 'Mail.Read', 'offline_access', 'openid', 'profile', 'email'],
        state: 'signed.state',
      }),
    );
    assert.equal(
      url.origin + url.pathname,
      'https://localhost:4433/9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62/v2.0/adminconsent',
    );
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: '11111111-2222-4333-8444-555555555555',
      redirect_uri: 'http://localhost:3978/auth/admin-consent/callback',
      scope: 'https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.Read',
      state: 'signed.state',
    });
  });
});
