import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../bot/config/config.js';
import { loadConfig } from '../bot/config/env-files.js';
import { createLogger } from '../bot/logging/logger.js';
import { redirectUrisFor } from '../bot/sign-in/redirect-uris.js';
import { startEmulator } from './server.js';

/** `npm run emulator`: the Microsoft 365 emulator on its own, configured like the rest of the app. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.LOG_LEVEL,
    pretty: config.NODE_ENV !== 'production',
    name: 'm365-emulator',
  });
  const emulator = await startEmulator({
    port: config.EMULATOR_PORT,
    dataDir: config.DATA_DIR,
    seedDir: config.EMULATOR_SEED,
    logger,
    // The seeded app accepts sign-ins of this stack wherever PUBLIC_URL puts it (another port, a tunnel).
    redirectUris: { appId: config.AAD_APP_CLIENT_ID, uris: redirectUrisFor(config.PUBLIC_URL) },
  });
  // Clients read the CA from EMULATOR_CA_CERT; keep a copy there when it points elsewhere.
  if (path.resolve(config.EMULATOR_CA_CERT) !== path.resolve(emulator.caPath)) {
    mkdirSync(path.dirname(config.EMULATOR_CA_CERT), { recursive: true });
    copyFileSync(emulator.caPath, config.EMULATOR_CA_CERT);
  }
  console.log(`Microsoft 365 emulator listening on ${emulator.origin}`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      'EMULATOR_PORT is already in use: stop the other emulator or set EMULATOR_PORT to a free port.',
    );
  } else console.error(`The Microsoft 365 emulator failed to start: ${(err as Error).message}`);
  process.exit(1);
});
