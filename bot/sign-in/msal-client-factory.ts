import { ConfidentialClientApplication, type ICachePlugin, type INetworkModule } from '@azure/msal-node';
import type { Logger } from '../logging/logger.js';
import { msalLoggerOptions } from '../logging/msal-log.js';
import type { Store } from '../store/store.js';
import type { TokenCipher } from '../vault/token-cipher.js';
import { createTokenCachePlugin } from '../vault/token-cache-plugin.js';

export interface MsalSettings {
  authorityHost: string;
  clientId: string;
  clientSecret: string;
  /** Trusts the emulator's CA when running locally; undefined uses msal-node's default client. */
  networkClient?: INetworkModule;
  /** Receives msal-node's warnings and errors. */
  logger: Logger;
}

/**
 * The app's msal-node confidential client for one authority tenant: every msal client of the server is
 * built here, so they all trust the same authority host and network client and log alike.
 */
export function confidentialClient(
  settings: MsalSettings,
  tenant: string,
  cachePlugin?: ICachePlugin,
): ConfidentialClientApplication {
  const host = new URL(settings.authorityHost).host;
  const isMicrosoft = host === 'login.microsoftonline.com';
  return new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authority: `${settings.authorityHost}/${tenant}`,
      // msal-node only trusts Microsoft's hosts unless told which others are authorities.
      ...(isMicrosoft ? {} : { knownAuthorities: [host] }),
    },
    ...(cachePlugin ? { cache: { cachePlugin } } : {}),
    system: {
      ...(settings.networkClient ? { networkClient: settings.networkClient } : {}),
      loggerOptions: msalLoggerOptions(settings.logger),
    },
  });
}

/**
 * A short-lived confidential client bound to one account's encrypted token cache (see the plugin for
 * why clients are not kept). `tenant` is the account's tenant, or `organizations` before sign-in.
 */
export function msalClientFor(
  settings: MsalSettings,
  deps: { store: Store; cipher: TokenCipher },
  accountKey: string,
  tenant: string,
): ConfidentialClientApplication {
  return confidentialClient(
    settings,
    tenant,
    createTokenCachePlugin({ store: deps.store, cipher: deps.cipher, accountKey }),
  );
}
