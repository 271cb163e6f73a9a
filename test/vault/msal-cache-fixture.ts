import { ConfidentialClientApplication, type ICachePlugin } from '@azure/msal-node';

/**
 * A real msal-node client that can never reach a network (every request throws), and a serialized
 * token cache in msal's own format holding a signed-in demo user, so caches can be exercised offline.
 * The token strings are placeholders, not credentials of anything.
 */

export const TENANT_ID = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const HOST = 'login.microsoftonline.com';
const AUTHORITY = `https://${HOST}/${TENANT_ID}`;

export const FIXTURE_ACCESS_TOKEN = 'placeholder-access-token';
export const FIXTURE_REFRESH_TOKEN = 'placeholder-refresh-token';

export interface FixtureUser {
  oid: string;
  username: string;
}

export const ALICE: FixtureUser = {
  oid: 'a1000000-0000-4000-8000-000000000001',
  username: 'alice.smith@contoso.com',
};
export const DAN: FixtureUser = {
  oid: 'a1000000-0000-4000-8000-000000000004',
  username: 'dan.morgan@contoso.com',
};

export function offlineClient(cachePlugin?: ICachePlugin): ConfidentialClientApplication {
  const refuse = async (): Promise<never> => {
    throw new Error('the test client must not use the network');
  };
  return new ConfidentialClientApplication({
    auth: {
      clientId: CLIENT_ID,
      clientSecret: 'emulator-demo-secret',
      authority: AUTHORITY,
      // Given metadata means msal does no discovery requests.
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${AUTHORITY}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: HOST, preferred_cache: HOST, aliases: [HOST] }],
      }),
      authorityMetadata: JSON.stringify({
        token_endpoint: `${AUTHORITY}/oauth2/v2.0/token`,
        authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/authorize`,
        issuer: `${AUTHORITY}/v2.0`,
        jwks_uri: `${AUTHORITY}/discovery/v2.0/keys`,
        end_session_endpoint: `${AUTHORITY}/oauth2/v2.0/logout`,
      }),
    },
    cache: cachePlugin ? { cachePlugin } : undefined,
    system: { networkClient: { sendGetRequestAsync: refuse, sendPostRequestAsync: refuse } },
  });
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** msal's serialized cache with an account, id token, access token and refresh token per user. */
export function serializedCacheFor(users: FixtureUser[]): string {
  const now = Math.floor(Date.now() / 1000);
  const scopes = 'mail.read openid profile user.read email';
  const cache = { Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} } as Record<
    string,
    Record<string, object>
  >;
  for (const { oid, username } of users) {
    const home = `${oid}.${TENANT_ID}`;
    const idToken = [
      b64url({ alg: 'none', typ: 'JWT' }),
      b64url({
        oid,
        tid: TENANT_ID,
        sub: oid,
        preferred_username: username,
        aud: CLIENT_ID,
        iat: now,
        exp: now + 3600,
      }),
      'unsigned',
    ].join('.');
    const base = { home_account_id: home, environment: HOST, client_id: CLIENT_ID };
    cache.Account![`${home}-${HOST}-${TENANT_ID}`] = {
      home_account_id: home,
      environment: HOST,
      realm: TENANT_ID,
      local_account_id: oid,
      username,
      authority_type: 'MSSTS',
    };
    cache.IdToken![`${home}-${HOST}-idtoken-${CLIENT_ID}-${TENANT_ID}-`] = {
      ...base,
      credential_type: 'IdToken',
      secret: idToken,
      realm: TENANT_ID,
    };
    cache.AccessToken![`${home}-${HOST}-accesstoken-${CLIENT_ID}-${TENANT_ID}-${scopes}--`] = {
      ...base,
      credential_type: 'AccessToken',
      secret: FIXTURE_ACCESS_TOKEN,
      realm: TENANT_ID,
      target: scopes,
      cached_at: String(now),
      expires_on: String(now + 3600),
      extended_expires_on: String(now + 7200),
      token_type: 'Bearer',
    };
    cache.RefreshToken![`${home}-${HOST}-refreshtoken-${CLIENT_ID}--`] = {
      ...base,
      credential_type: 'RefreshToken',
      secret: FIXTURE_REFRESH_TOKEN,
    };
  }
  return JSON.stringify(cache);
}
