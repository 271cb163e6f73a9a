import path from 'node:path';
import type { FetchImplementation } from 'jose';
import type { Server } from 'restify';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { TrustedNetworkClient } from '../net/msal-network-client.js';
import { trustedFetch } from '../net/tls-trust.js';
import type { Store } from '../store/store.js';
import { createAccountCommands, type AccountCommandsDeps } from '../tab-api/account-commands.js';
import { registerTabSignIn } from '../tab-api/caller/tab-sign-in.js';
import { createTokenValidator } from '../tab-api/caller/token-validator.js';
import { registerTabApi } from '../tab-api/register-tab-api.js';
import { registerTabStatic } from '../tab-api/tab-static.js';
import { deriveKey } from '../vault/derived-keys.js';
import { signInUrl } from '../sign-in/sign-in-routes.js';

export interface TabSurfaceDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** The authority's CA (the emulator's ca.pem) when it is not publicly trusted. */
  caPem?: string;
  /** The built tab; defaults to tab/dist under the working directory. */
  distDir?: string;
  onEffects?: AccountCommandsDeps['onEffects'];
  onSyncRequested?: AccountCommandsDeps['onSyncRequested'];
  beforeCommit?: AccountCommandsDeps['beforeCommit'];
  now?: () => Date;
}

/**
 * Everything the tab needs on the server, mounted on the shared restify server: the static pages under
 * /tab/, the browser sign-in under /auth/tab/, and the JSON API under /api/me and /api/tenant.
 */
export function mountTabSurface(server: Server, deps: TabSurfaceDeps): void {
  const { config, store, logger } = deps;
  const validator = createTokenValidator({
    authorityHost: config.M365_AUTHORITY_HOST,
    clientId: config.AAD_APP_CLIENT_ID,
    appIdUri: config.AAD_APP_ID_URI,
    fetch: trustedFetch(deps.caPem) as FetchImplementation,
    isKnownTenant: async (tenantId) =>
      (await store.db.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst()) !==
      undefined,
  });
  // The same signed, single-use sign-in ticket the bot's cards carry (bot/sign-in/sign-in-routes.ts).
  const ticketKey = config.TOKEN_ENCRYPTION_KEY
    ? deriveKey(config.TOKEN_ENCRYPTION_KEY, 'sign-in-ticket')
    : null;
  registerTabApi(server, {
    store,
    logger,
    validator,
    reconnectLink: ticketKey
      ? (input) =>
          signInUrl(
            { publicUrl: config.PUBLIC_URL, ticketKey },
            {
              accountId: input.accountId,
              tenantId: input.tenantId,
              aadObjectId: input.objectId,
              loginHint: input.loginHint,
            },
          )
      : undefined,
    itAdmins: config.IT_ADMINS,
    commands: createAccountCommands({
      store,
      onEffects: deps.onEffects,
      onSyncRequested: deps.onSyncRequested,
      beforeCommit: deps.beforeCommit,
      now: deps.now,
    }),
    now: deps.now,
  });
  registerTabSignIn(server, {
    authorityHost: config.M365_AUTHORITY_HOST,
    tenancy: { signInAudience: config.AAD_APP_SIGN_IN_AUDIENCE, tenantId: config.M365_TENANT_ID },
    clientId: config.AAD_APP_CLIENT_ID,
    clientSecret: config.AAD_APP_CLIENT_SECRET,
    appIdUri: config.AAD_APP_ID_URI,
    publicUrl: config.PUBLIC_URL,
    networkClient: new TrustedNetworkClient(deps.caPem),
    logger,
  });
  registerTabStatic(server, { distDir: deps.distDir ?? path.resolve('tab', 'dist') });
}
