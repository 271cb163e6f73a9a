import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { Store } from '../store/store.js';
import { loadTokenCache, saveTokenCache } from './token-cache-rows.js';
import type { TokenCipher } from './token-cipher.js';

export interface TokenCachePluginOptions {
  store: Store;
  cipher: TokenCipher;
  /** Whose cache this is; the sync account id by convention. */
  accountKey: string;
}

/**
 * msal-node cache plugin persisting one account's token cache, encrypted, in the store. Create a
 * ConfidentialClientApplication per operation for an account, with its own plugin:
 * `new ConfidentialClientApplication({ auth, cache: { cachePlugin: createTokenCachePlugin(...) } })`.
 * Short-lived clients matter: msal merges what the plugin loads into its in-memory cache, so a client
 * kept around would go on holding tokens that were since deleted (disable, identity mismatch).
 */
export function createTokenCachePlugin({ store, cipher, accountKey }: TokenCachePluginOptions): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const stored = await loadTokenCache(store, cipher, accountKey);
      if (stored !== undefined) context.tokenCache.deserialize(stored);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      await saveTokenCache(store, cipher, accountKey, context.tokenCache.serialize());
    },
  };
}
