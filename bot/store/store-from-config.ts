import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { entraPassword, managedIdentityTokenSource } from './entra-password.js';
import type { StoreOptions } from './store.js';

type StoreConfig = Pick<
  Config,
  'SQLITE_PATH' | 'DATABASE_URL' | 'DATABASE_AUTH' | 'DATABASE_IDENTITY_CLIENT_ID'
>;

/** How every entry point opens the store: SQLite, or PostgreSQL with a password or an Entra token. */
export function storeOptionsFromConfig(config: StoreConfig, logger?: Logger): StoreOptions {
  return {
    sqlitePath: config.SQLITE_PATH,
    databaseUrl: config.DATABASE_URL,
    logger,
    ...(config.DATABASE_AUTH === 'entra'
      ? {
          databasePassword: entraPassword(
            managedIdentityTokenSource({ clientId: config.DATABASE_IDENTITY_CLIENT_ID, logger }),
          ),
        }
      : {}),
  };
}
