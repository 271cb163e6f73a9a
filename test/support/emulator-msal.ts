import { ConfidentialClientApplication, CryptoProvider, type Configuration } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { TrustedNetworkClient } from '../../bot/net/msal-network-client.js';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { EmulatorBrowser, expectRedirect } from './emulator-browser.js';
import type { TestEmulator } from './emulator.js';

/**
 * The demo scenario's identities (docs/demo-identities.md) and a real msal-node confidential client
 * pointed at a test emulator, trusting its CA through our network client.
 */
export const DEMO = {
  clientId: '11111111-2222-4333-8444-555555555555',
  clientSecret: 'emulator-demo-secret',
  redirectUri: 'http://localhost:3978/auth/callback',
  adminConsentRedirectUri: 'http://localhost:3978/auth/admin-consent/callback',
  appIdUri: 'api://localhost/11111111-2222-4333-8444-555555555555',
  contoso: '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51',
  fabrikam: '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62',
  alice: {
    id: 'a1000000-0000-4000-8000-000000000001',
    username: 'alice.smith@contoso.com',
    password: 'demo',
  },
  dan: { id: 'a1000000-0000-4000-8000-000000000004', username: 'dan.morgan@contoso.com', password: 'demo' },
  erin: { id: 'b2000000-0000-4000-8000-000000000001', username: 'erin.lee@fabrikam.com', password: 'demo' },
  frank: {
    id: 'b2000000-0000-4000-8000-000000000002',
    username: 'frank.ortiz@fabrikam.com',
    password: 'demo',
  },
} as const;

export const GRAPH_SCOPES = ['User.Read', 'Mail.Read'];

export function msalClient(
  emu: TestEmulator,
  overrides: { clientId?: string; clientSecret?: string; tenant?: string } = {},
): ConfidentialClientApplication {
  const config: Configuration = {
    auth: {
      clientId: overrides.clientId ?? DEMO.clientId,
      clientSecret: overrides.clientSecret ?? DEMO.clientSecret,
      authority: `${emu.origin}/${overrides.tenant ?? 'organizations'}`,
      // msal-node only talks to hosts it knows; the emulator is one we name explicitly.
      knownAuthorities: [new URL(emu.origin).host],
    },
    system: { networkClient: new TrustedNetworkClient(emu.caPem) },
  };
  return new ConfidentialClientApplication(config);
}

/** The whole interactive sign-in: auth URL with PKCE → sign-in form → consent → code on the redirect URI. */
export async function signInForCode(
  emu: TestEmulator,
  cca: ConfidentialClientApplication,
  user: { username: string; password: string },
  scopes: string[] = GRAPH_SCOPES,
  browser = new EmulatorBrowser(emu.origin, emu.caPem),
): Promise<{ code: string; verifier: string; state: string; redirect: URL }> {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const state = new CryptoProvider().createNewGuid();
  const url = await cca.getAuthCodeUrl({
    scopes,
    redirectUri: DEMO.redirectUri,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    state,
  });
  const start = await browser.get(url);
  const redirect = expectRedirect(start.kind === 'redirect' ? start : await browser.signIn(start, user));
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code on the redirect: ${redirect.search}`);
  return { code, verifier: pkce.verifier, state, redirect };
}

/** Verifies a token against the emulator's published JWKS, as a resource server would. */
export async function verifyWithJwks(
  emu: TestEmulator,
  token: string,
  tenant = 'organizations',
): Promise<JWTPayload> {
  const res = await trustedFetch(emu.caPem)(`${emu.origin}/${tenant}/discovery/v2.0/keys`);
  const jwks = createLocalJWKSet(await res.json());
  return (await jwtVerify(token, jwks, { algorithms: ['RS256'] })).payload;
}
