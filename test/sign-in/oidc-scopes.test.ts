import assert from 'node:assert/strict';
import { graphPermissions, isSignInScope } from '../../bot/sign-in/oidc-scopes.js';

// The OpenID Connect scopes are openid, profile, email and offline_access (Microsoft identity platform,
// "Scopes and permissions": OpenID Connect scopes); everything else here is a Graph permission.
describe('OpenID scopes apart from Graph permissions (bot/sign-in/oidc-scopes.ts)', function () {
  it('keeps only the Graph permissions of the configured scopes, in order, whatever their case', function () {
    assert.deepEqual(
      graphPermissions([
        'User.Read',
        'OpenID',
        'Mail.Read',
        'offline_access',
        'profile',
        'EMAIL',
        'Mail.Send',
      ]),
      ['User.Read', 'Mail.Read', 'Mail.Send'],
    );
  });

  it('counts openid, profile and email as sign-in only, and offline_access as worth telling the user', function () {
    for (const s of ['openid', 'Profile', 'email']) assert.equal(isSignInScope(s), true, s);
    for (const s of ['offline_access', 'User.Read', 'Calendars.ReadWrite'])
      assert.equal(isSignInScope(s), false, s);
  });
});
