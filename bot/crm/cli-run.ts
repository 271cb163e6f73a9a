import { loadConfig } from '../config/env-files.js';
import { createLogger } from '../logging/logger.js';
import { createStore, type Store } from '../store/store.js';
import { storeOptionsFromConfig } from '../store/store-from-config.js';

/**
 * What every CRM command-line tool does around its own work: the configured store (the same connection
 * settings as the server, managed identity included), migrated, closed afterwards whatever happened.
 */
export async function withConfiguredStore(
  name: string,
  work: (store: Store) => Promise<number>,
): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV !== 'production', name });
  const store = createStore(storeOptionsFromConfig(config, logger));
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs a tool's main and turns its answer into the exit code; an unexpected error is one line and 1. */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
