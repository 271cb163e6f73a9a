import { TEAMS_CLIENT_IDS } from '../../bot/tab-api/caller/token-validator.js';
import { strict as assert } from 'node:assert';
import { parseConfig } from '../../bot/config/config.js';
import { read } from '../env/project-files.js';

interface AadManifest {
  signInAudience: string;
  requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  oauth2Permissions: { id: string; value: string; type: string; isEnabled: boolean }[];
  preAuthorizedApplications: { appId: string; permissionIds: string[] }[];
  identifierUris: string[];
  replyUrlsWithType: { url: string; type: string }[];
}

const TEAMS_CLIENTS = {
  desktopAndMobile: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
  web: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
};

describe('aad.manifest.json', () => {
  const aad = JSON.parse(read('aad.manifest.json')) as AadManifest;

  it('asks for exactly the delegated Graph permissions the code requests, and no application permission', () => {
    assert.equal(aad.requiredResourceAccess.length, 1);
    const graph = aad.requiredResourceAccess[0];
    assert.equal(graph?.resourceAppId, 'Microsoft Graph');
    assert.deepEqual(new Set(graph?.resourceAccess.map((r) => r.type)), new Set(['Scope']));
    assert.deepEqual(graph?.resourceAccess.map((r) => r.id).sort(), [...parseConfig({}).SYNC_SCOPES].sort());
  });

  it('exposes access_as_user for tab SSO, pre-authorised for the Teams clients', () => {
    const scope = aad.oauth2Permissions.find((p) => p.value === 'access_as_user');
    assert.ok(scope?.isEnabled);
    for (const appId of Object.values(TEAMS_CLIENTS)) {
      const pre = aad.preAuthorizedApplications.find((p) => p.appId === appId);
      assert.deepEqual(pre?.permissionIds, [scope.id], appId);
    }
    assert.deepEqual(aad.identifierUris, ['api://${{PUBLIC_HOSTNAME}}/${{AAD_APP_CLIENT_ID}}']);
    // The tab API accepts tokens requested by these clients (azp) besides ours, and no others.
    assert.deepEqual([...TEAMS_CLIENT_IDS].sort(), Object.values(TEAMS_CLIENTS).sort());
  });

  it('accepts sign-in replies only at the server callbacks and the tab, all as Web (confidential) redirects', () => {
    // The server redeems every code with the client secret, the tab's too (bot/tab-api/caller/tab-sign-in.ts).
    // Entra refuses a secret for a code sent to a Spa redirect URI: AADSTS700025 "Client is public so
    // neither 'client_assertion' nor 'client_secret' should be presented" (reference-error-codes).
    assert.deepEqual(aad.replyUrlsWithType.map((r) => `${r.type} ${r.url}`).sort(), [
      'Web ${{PUBLIC_URL}}/auth/admin-consent/callback',
      'Web ${{PUBLIC_URL}}/auth/callback',
      'Web ${{PUBLIC_URL}}/tab/auth-end.html',
    ]);
  });

  it('registers the deployment shape named by AAD_APP_SIGN_IN_AUDIENCE, the variable the server and the Bicep read', () => {
    assert.equal(aad.signInAudience, '${{AAD_APP_SIGN_IN_AUDIENCE}}');
    for (const file of ['teamsapp.yml', 'teamsapp.local.yml']) {
      assert.match(read(file), /signInAudience: \$\{\{AAD_APP_SIGN_IN_AUDIENCE\}\}/, file);
    }
    assert.match(
      read('infra/azure.parameters.json'),
      /"aadAppSignInAudience": \{ "value": "\$\{\{AAD_APP_SIGN_IN_AUDIENCE\}\}" \}/,
    );
    assert.match(read('infra/azure.bicep'), /name: 'AAD_APP_SIGN_IN_AUDIENCE'\s+value: aadAppSignInAudience/);
    // Both values Teams Toolkit may register are values the server accepts.
    for (const audience of ['AzureADMyOrg', 'AzureADMultipleOrgs']) {
      assert.equal(
        parseConfig({ AAD_APP_SIGN_IN_AUDIENCE: audience, M365_TENANT_ID: 'contoso.com' })
          .AAD_APP_SIGN_IN_AUDIENCE,
        audience,
      );
    }
  });

  it('matches the SSO audience of the Teams manifest', () => {
    const manifest = JSON.parse(read('appPackage/manifest.json')) as {
      webApplicationInfo: { resource: string };
    };
    assert.equal(manifest.webApplicationInfo.resource, aad.identifierUris[0]);
  });
});
