import { AuthenticationHandler, type Client } from '@microsoft/microsoft-graph-client';
import { msalClientFor, type MsalSettings } from '../sign-in/msal-client-factory.js';
import { graphPermissions } from '../sign-in/oidc-scopes.js';
import type { FetchLike } from '../net/tls-trust.js';
import type { Store } from '../store/store.js';
import { graphClientOver } from '../sync/graph-client.js';
import { FetchHandler } from '../sync/mailbox-gate.js';
import type { TokenCipher } from '../vault/token-cipher.js';

/**
 * Microsoft Graph as the signed-in user, with the delegated tokens just stored in the account's
 * encrypted msal cache: used right after sign-in to read the account's addresses (identity check) and
 * to send the confirmation e-mail. The sync worker has its own, throttling-aware client.
 */

export interface UserGraphDeps {
  store: Store;
  cipher: TokenCipher;
  msal: MsalSettings;
  graphBaseUrl: string;
  fetch: FetchLike;
  scopes: readonly string[];
}

export function userGraph(
  deps: UserGraphDeps,
  account: { accountId: string; tenantId: string; objectId: string },
): Client {
  const scopes = graphPermissions(deps.scopes);
  const accessToken = async (): Promise<string> => {
    const client = msalClientFor(deps.msal, deps, account.accountId, account.tenantId);
    const accounts = await client.getTokenCache().getAllAccounts();
    const msAccount = accounts.find(
      (a) => a.localAccountId === account.objectId || a.homeAccountId.startsWith(`${account.objectId}.`),
    );
    if (!msAccount) throw new Error('no stored sign-in for this account');
    return (await client.acquireTokenSilent({ account: msAccount, scopes })).accessToken;
  };
  return graphClientOver(deps.graphBaseUrl, [
    new AuthenticationHandler({ getAccessToken: accessToken }),
    new FetchHandler(deps.fetch),
  ]);
}
